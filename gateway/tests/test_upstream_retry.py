"""A replica that closes the connection before answering (stopping, killed, or closing a kept-alive
connection just as the request went out): a request that is safe to send twice goes again, on a new
connection, with a freshly signed identity; any other gets 503 and is not sent twice."""

import asyncio
import json

import pytest

from gateway.app import Gateway
from gateway.cli import dev_token
from gateway.config import Settings

from .conftest import gateway_settings


class ClosingUpstream:
    """Answers 200 with the forwarded identity, after closing the first `drops` connections unanswered."""

    def __init__(self, drops: int) -> None:
        self.drops = drops
        self.requests: list[dict] = []
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
            await reader.readexactly(int(headers.get("content-length", "0")))
            ours = "/api/v1/catalog/models" in lines[0]  # not the gateway's own OpenAPI fetch
            if ours:
                self.requests.append({"line": lines[0], "principal": headers.get("x-principal")})
            if ours and self.drops:
                self.drops -= 1
                writer.transport.abort()  # gone without a word
                return
            body = json.dumps({"seen": len(self.requests)}).encode()
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body))
            await writer.drain()
        writer.close()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()


def bearer() -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(Settings(), 'acc-1', [])}"}


@pytest.fixture
async def through(upstream_port, tmp_path):
    import httpx

    async def send(upstream: ClosingUpstream, method: str, headers: dict) -> httpx.Response:
        async with upstream as url:
            app = Gateway(gateway_settings(upstream_port, tmp_path, catalog_url=url))
            await app.start()
            try:
                async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway") as client:
                    return await client.request(method, "/api/v1/catalog/models", headers=headers, content=b"{}" if method == "POST" else None)
            finally:
                await app.close()

    return send


async def test_a_read_is_sent_again_on_a_new_connection(through) -> None:
    upstream = ClosingUpstream(drops=1)
    response = await through(upstream, "GET", {})
    assert response.status_code == 200 and len(upstream.requests) == 2


async def test_a_post_with_an_idempotency_key_is_sent_again_with_a_new_identity(through) -> None:
    upstream = ClosingUpstream(drops=2)
    response = await through(upstream, "POST", {**bearer(), "Idempotency-Key": "k-1"})
    assert response.status_code == 200 and len(upstream.requests) == 3
    assert len({r["principal"] for r in upstream.requests}) == 3  # each attempt signed afresh (an identity is accepted once)


async def test_a_post_without_an_idempotency_key_is_not_sent_twice(through) -> None:
    upstream = ClosingUpstream(drops=1)
    response = await through(upstream, "POST", bearer())
    assert response.status_code == 503 and response.json()["code"] == "upstream_unavailable"
    assert response.headers["retry-after"] == "1"
    assert len(upstream.requests) == 1


async def test_an_upstream_that_keeps_closing_is_a_503_after_three_attempts(through) -> None:
    upstream = ClosingUpstream(drops=10)
    response = await through(upstream, "POST", {**bearer(), "Idempotency-Key": "k-2"})
    assert response.status_code == 503 and len(upstream.requests) == 3
