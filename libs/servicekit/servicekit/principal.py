"""Who is calling: the principal the gateway authenticated and forwards as a signed, request-bound token.

Services trust only this token, never a plain header. It is an HS256 JWT signed with the internal
secret and bound, like an RFC 9449 DPoP proof, to one request: the target service (`aud`), the
method (`htm`), the path with query (`htu`) and the body's SHA-256 (`bdy`). Its expiry is required
and short, and its `jti` is accepted once. A header captured on the wire is therefore worth nothing
on another method, path, body or service, nor a second time, nor after a few seconds.
"""

import base64
import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from typing import Annotated, Literal, Protocol, get_args

import jwt
from fastapi import Depends, Request

from servicekit.problems import Problem
from servicekit.sharedstate import SharedStateUnavailable

PRINCIPAL_HEADER = "x-principal"
_AUDIENCE_PREFIX = "smartupgrade-service:"
_ISSUER = "smartupgrade-gateway"
_ALGORITHM = "HS256"
# The gateway-to-service hop takes milliseconds; the rest is room for clock skew between hosts.
LIFETIME_SECONDS = 15
_REQUIRED = ["exp", "iat", "jti", "aud", "iss", "htm", "htu", "bdy"]

Kind = Literal["anonymous", "customer", "ops", "partner"]
PartnerKind = Literal["retailer", "logistics", "checkout"]


@dataclass(frozen=True)
class Principal:
    """A customer or ops account (subject = account id), a partner (subject = key id) or nobody."""

    kind: Kind
    subject: str | None = None
    partner_kind: PartnerKind | None = None
    store_id: str | None = None

    @property
    def is_ops(self) -> bool:
        return self.kind == "ops"

    @property
    def is_partner(self) -> bool:
        return self.kind == "partner"

    @property
    def account_id(self) -> str | None:
        """The account of a customer or ops person; partners act for accounts they name."""
        return self.subject if self.kind in ("customer", "ops") else None

    def scope_key(self) -> str:
        """A stable string naming this principal, for idempotency scopes and rate limits."""
        return f"{self.kind}:{self.subject or '-'}"


ANONYMOUS = Principal("anonymous")


def body_digest(body: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(body).digest()).decode().rstrip("=")


def sign_principal(
    principal: Principal, secret: str, *, service: str, method: str, path_with_query: str, body: bytes = b"",
    now: float | None = None, lifetime_seconds: int = LIFETIME_SECONDS,
) -> str:
    """The token the gateway forwards with one request to one service."""
    issued = int(now if now is not None else time.time())
    claims = {k: v for k, v in asdict(principal).items() if v is not None}
    claims |= {
        "iss": _ISSUER, "aud": _AUDIENCE_PREFIX + service, "iat": issued, "exp": issued + lifetime_seconds,
        "jti": secrets.token_urlsafe(16), "htm": method.upper(), "htu": path_with_query, "bdy": body_digest(body),
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


class SeenTokens(Protocol):
    async def first_use(self, token_id: str) -> bool: ...


def path_with_query(request: Request) -> str:
    """The path and query exactly as the caller sent them, which is what the gateway signed."""
    raw = request.scope.get("raw_path") or request.scope["path"].encode()
    path = raw.split(b"?", 1)[0].decode("latin-1")  # some ASGI servers put the query in raw_path
    query = request.scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


class PrincipalVerifier:
    """Checks a forwarded token against the request it arrived with, and accepts each token once."""

    def __init__(self, secret: str, service: str, seen: SeenTokens) -> None:
        self.secret = secret
        self.audience = _AUDIENCE_PREFIX + service
        self.seen = seen

    async def verify(self, token: str | None, method: str, target: str, body: bytes) -> Principal:
        if not token:
            return ANONYMOUS
        try:
            claims = jwt.decode(
                token, self.secret, algorithms=[_ALGORITHM], audience=self.audience, issuer=_ISSUER,
                options={"require": _REQUIRED}, leeway=5,
            )
            if int(claims["exp"]) - int(claims["iat"]) > LIFETIME_SECONDS:
                raise ValueError("lifetime too long")
            if claims["htm"] != method or claims["htu"] != target or claims["bdy"] != body_digest(body):
                raise ValueError("bound to another request")
            principal = Principal(
                kind=claims["kind"], subject=claims.get("subject"), partner_kind=claims.get("partner_kind"), store_id=claims.get("store_id")
            )
            if principal.kind not in ("customer", "ops", "partner") or not isinstance(principal.subject, str):
                raise ValueError("no principal")
        except (jwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
            raise Problem(401, "unauthorized", "The forwarded identity is not valid.") from exc
        try:
            first = await self.seen.first_use(str(claims["jti"]))
        except SharedStateUnavailable as exc:
            # Fail closed: without the shared memory of used identities a replay could pass.
            raise Problem(503, "upstream_unavailable", "Identities cannot be checked right now; retry shortly.") from exc
        if not first:
            raise Problem(401, "unauthorized", "The forwarded identity was already used.")
        return principal


async def principal_of(request: Request) -> Principal:
    """The caller, from the gateway's signed header (anonymous when there is none); verified once per request."""
    known = getattr(request.state, "principal", None)
    if known is not None:
        return known
    verifier: PrincipalVerifier = request.app.state.principal_verifier
    token = request.headers.get(PRINCIPAL_HEADER)
    body = await request.body() if token else b""
    principal = await verifier.verify(token, request.method, path_with_query(request), body)
    request.state.principal = principal
    return principal


# Dependencies are `async def` so FastAPI runs them inline rather than in its thread pool.
async def current_principal(request: Request) -> Principal:
    """The caller, as a FastAPI dependency."""
    return await principal_of(request)


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def _require_signed_in(principal: Principal) -> None:
    if principal.kind == "anonymous":
        raise Problem(401, "unauthorized", "Sign in, or sign the request as a partner.")


async def require_ops(principal: PrincipalDep) -> Principal:
    """Ops only; anyone else signed in gets 404, so the route's existence is not leaked."""
    _require_signed_in(principal)
    if not principal.is_ops:
        raise Problem(404, "not_found", "Not found.")
    return principal


async def require_customer(principal: PrincipalDep) -> Principal:
    """A signed-in account (customer or ops)."""
    _require_signed_in(principal)
    if principal.account_id is None:
        raise Problem(404, "not_found", "Not found.")
    return principal


def require_partner(*kinds: PartnerKind):
    """A partner of one of the given kinds (any kind when none are given)."""

    async def dependency(principal: PrincipalDep) -> Principal:
        _require_signed_in(principal)
        if not principal.is_partner or (kinds and principal.partner_kind not in kinds):
            raise Problem(404, "not_found", "Not found.")
        return principal

    ADMITS[dependency] = tuple(f"partner:{kind}" for kind in (kinds or get_args(PartnerKind)))
    return dependency


async def require_signed_in(principal: PrincipalDep) -> Principal:
    _require_signed_in(principal)
    return principal


Guard = Callable[..., Awaitable[Principal]]


def admits(*callers: str) -> Callable[[Guard], Guard]:
    """Declare whom a route's own guard lets in (`ops`, `customer`, `partner:<kind>`), for the OpenAPI document."""

    def declare(guard: Guard) -> Guard:
        ADMITS[guard] = callers
        return guard

    return declare


# Who each guard admits, as the OpenAPI document states it (servicekit.openapi reads this, so a route's
# documented callers are its guard's): `customer` any signed-in account, `ops` an ops account,
# `partner:<kind>` a partner of that kind. A route with no guard is public.
ADMITS: dict[Guard, tuple[str, ...]] = {
    require_ops: ("ops",),
    require_customer: ("customer",),
    require_signed_in: ("customer", *(f"partner:{kind}" for kind in get_args(PartnerKind))),
}


OpsDep = Annotated[Principal, Depends(require_ops)]
CustomerDep = Annotated[Principal, Depends(require_customer)]
SignedInDep = Annotated[Principal, Depends(require_signed_in)]
