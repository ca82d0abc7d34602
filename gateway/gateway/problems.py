"""problem+json answers sent straight from the gateway's ASGI layer."""

import orjson
from starlette.types import Send

from servicekit.problems import PROBLEM_JSON, problem_body


async def send_problem(send: Send, status: int, code: str, detail: str, request_id: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = orjson.dumps(problem_body(status, code, detail))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode("latin-1")),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, body: bytes, request_id: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"x-request-id", request_id.encode("latin-1"))],
        }
    )
    await send({"type": "http.response.body", "body": body})
