"""Who is calling: the principal the gateway authenticated and forwards as a short-lived signed token.

Services trust only this token (HS256 with the internal secret, 60 s lifetime, fixed audience),
never a plain header, so a caller that bypasses the gateway cannot claim an identity.
"""

import time
from dataclasses import asdict, dataclass
from typing import Annotated, Literal

import jwt
from fastapi import Depends, Request

from servicekit.problems import Problem

PRINCIPAL_HEADER = "x-principal"
_AUDIENCE = "smartupgrade-services"
_ISSUER = "smartupgrade-gateway"
_ALGORITHM = "HS256"
LIFETIME_SECONDS = 60

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


def sign_principal(principal: Principal, secret: str, now: float | None = None, lifetime_seconds: int = LIFETIME_SECONDS) -> str:
    """The token the gateway forwards; valid for LIFETIME_SECONDS (tests sign longer-lived ones)."""
    issued = int(now if now is not None else time.time())
    claims = {k: v for k, v in asdict(principal).items() if v is not None}
    claims |= {"iss": _ISSUER, "aud": _AUDIENCE, "iat": issued, "exp": issued + lifetime_seconds}
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


class PrincipalVerifier:
    """Verifies forwarded tokens, remembering recent ones (the gateway reuses a token for a while)."""

    def __init__(self, secret: str, cache_size: int = 4096) -> None:
        self.secret = secret
        self.cache_size = cache_size
        self._cache: dict[str, tuple[Principal, int]] = {}

    def verify(self, token: str | None) -> Principal:
        if not token:
            return ANONYMOUS
        cached = self._cache.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        try:
            claims = jwt.decode(token, self.secret, algorithms=[_ALGORITHM], audience=_AUDIENCE, issuer=_ISSUER)
            principal = Principal(
                kind=claims["kind"], subject=claims.get("subject"), partner_kind=claims.get("partner_kind"), store_id=claims.get("store_id")
            )
        except (jwt.PyJWTError, KeyError, TypeError) as exc:
            raise Problem(401, "unauthorized", "The forwarded identity is not valid.") from exc
        if len(self._cache) >= self.cache_size:
            self._cache.clear()
        self._cache[token] = (principal, int(claims["exp"]))
        return principal


def principal_of(request: Request) -> Principal:
    """The caller, from the gateway's signed header (anonymous when there is none)."""
    verifier: PrincipalVerifier = request.app.state.principal_verifier
    return verifier.verify(request.headers.get(PRINCIPAL_HEADER))


# Dependencies are `async def` so FastAPI runs them inline rather than in its thread pool.
async def current_principal(request: Request) -> Principal:
    """The caller, as a FastAPI dependency."""
    return principal_of(request)


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


def require_partner(*kinds: PartnerKind):  # type: ignore[no-untyped-def]
    """A partner of one of the given kinds (any kind when none are given)."""

    async def dependency(principal: PrincipalDep) -> Principal:
        _require_signed_in(principal)
        if not principal.is_partner or (kinds and principal.partner_kind not in kinds):
            raise Problem(404, "not_found", "Not found.")
        return principal

    return dependency


async def require_signed_in(principal: PrincipalDep) -> Principal:
    _require_signed_in(principal)
    return principal


OpsDep = Annotated[Principal, Depends(require_ops)]
CustomerDep = Annotated[Principal, Depends(require_customer)]
SignedInDep = Annotated[Principal, Depends(require_signed_in)]
