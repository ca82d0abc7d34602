"""/metrics for a worker-only process (`python -m <service>.worker`), which serves no other HTTP.

A worker's figures — consumer lag, handler duration, outbox age — live in its own process, so it
answers scrapes itself, on `WORKER_METRICS_PORT` (off when unset). The same rule as the services'
/metrics: only `Authorization: Bearer <METRICS_TOKEN>` gets the figures, everything else is 404, and
without a token the port is not opened at all. A few lines of asyncio rather than a web framework:
one GET, one header, small bounded reads, and no second signal handler fighting the worker's own.
"""

import asyncio
import hmac
import logging

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from servicekit.problems import PROBLEM_JSON, problem_body

log = logging.getLogger("servicekit.worker_metrics")

_HEAD_LIMIT = 16 * 1024
_READ_TIMEOUT_SECONDS = 5.0


async def serve_worker_metrics(port: int, token: str, host: str | None = None) -> asyncio.Server | None:
    """Start answering scrapes on `port` (all interfaces unless `host`); None when there is nothing to serve."""
    if not port:
        return None
    if not token:
        log.warning("WORKER_METRICS_PORT is set but METRICS_TOKEN is not: worker metrics are not served")
        return None

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), _READ_TIMEOUT_SECONDS)
            status, body, kind = _respond(head, token)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, ConnectionError):
            writer.close()
            return
        writer.write(
            f"HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n".encode("latin-1") + body
        )
        try:
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, host, port, limit=_HEAD_LIMIT)
    log.info("worker metrics served", extra={"port": port})
    return server


def _respond(head: bytes, token: str) -> tuple[str, bytes, str]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    sent = ""
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "authorization":
            sent = value.strip().removeprefix("Bearer ").strip()
    allowed = hmac.compare_digest(sent.encode("latin-1"), token.encode("utf-8"))
    if len(parts) == 3 and parts[0] == "GET" and parts[1].split("?", 1)[0] == "/metrics" and allowed:
        return "200 OK", generate_latest(), CONTENT_TYPE_LATEST
    return "404 Not Found", orjson.dumps(problem_body(404, "not_found", "Not found.")), PROBLEM_JSON
