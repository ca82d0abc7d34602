"""Responses sent straight from the gateway's ASGI layer."""

import orjson
from starlette.types import Send

from servicekit.problems import PROBLEM_JSON, problem_body


async def send_body(send: Send, status: int, body: bytes, content_type: str, request_id: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode("latin-1")),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_problem(send: Send, status: int, code: str, detail: str, request_id: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    await send_body(send, status, orjson.dumps(problem_body(status, code, detail)), PROBLEM_JSON, request_id, headers)
