"""`POST /api/v1/dev/token`: the embedded default's sign-in for the console, minting what `make token` prints.

It exists only where the gateway itself is the local dev issuer (no JWKS_URL, the dev issuer, ENV not production)
and only for a browser on the gateway's own machine talking to it directly: anywhere else it is 404, as if it
had never been written. In production tokens come from the company's account service.
"""

import ipaddress
from typing import Literal

import orjson
from pydantic import BaseModel, Field, ValidationError
from starlette.types import Receive, Scope, Send

from gateway.bodies import read_limited
from gateway.cli import dev_token
from gateway.config import DEV_ISSUER, Settings
from gateway.problems import send_body, send_problem
from servicekit.environment import Environment
from servicekit.problems import PROBLEM_JSON, problem_body

DEV_TOKEN_PATH = "/api/v1/dev/token"
LIFETIME_SECONDS = 8 * 3600  # a working day; the console signs in again after it
_MAX_BODY = 4096
_NO_STORE = [(b"cache-control", b"no-store")]


class SignInBody(BaseModel):
    account_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
    role: Literal["customer", "ops"] = "customer"


def offered(settings: Settings) -> bool:
    """The gateway signs its own dev tokens: never in production, never when tokens come from a JWKS."""
    return settings.env is not Environment.PRODUCTION and settings.jwks_url is None and settings.jwt_issuer == DEV_ISSUER and bool(settings.jwt_secret)


def _from_this_machine(scope: Scope) -> bool:
    """The TCP peer is loopback and no proxy forwarded the request (a proxy on this host could relay anyone)."""
    client = scope.get("client")
    if not client or any(name == b"x-forwarded-for" for name, _ in scope["headers"]):
        return False
    try:
        return ipaddress.ip_address(client[0]).is_loopback
    except ValueError:
        return False


class DevSignIn:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.enabled = offered(settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        if not self.enabled or not _from_this_machine(scope):
            await send_problem(send, 404, "not_found", "No such endpoint.", request_id, _NO_STORE)
            return
        if scope["method"] != "POST":
            await send_problem(send, 405, "method_not_allowed", "Sign in with POST.", request_id, [*_NO_STORE, (b"allow", b"POST")])
            return
        body = await read_limited(receive, _MAX_BODY)
        if body is None:
            await send_problem(send, 413, "payload_too_large", f"A sign-in is at most {_MAX_BODY} bytes.", request_id, _NO_STORE)
            return
        try:
            asked = SignInBody.model_validate_json(body or b"{}")
        except ValidationError as exc:
            errors = [{"field": ".".join(str(part) for part in error["loc"]) or "body", "message": error["msg"]} for error in exc.errors()]
            problem = orjson.dumps(problem_body(422, "validation_error", "The sign-in is not valid; see errors.", errors))
            await send_body(send, 422, problem, PROBLEM_JSON, request_id, _NO_STORE)
            return
        roles = ["ops"] if asked.role == "ops" else []
        token = dev_token(self.settings, asked.account_id, roles, LIFETIME_SECONDS)
        answer = {"access_token": token, "token_type": "Bearer", "expires_in": LIFETIME_SECONDS, "account_id": asked.account_id, "role": asked.role}
        await send_body(send, 200, orjson.dumps(answer), "application/json", request_id, _NO_STORE)
