"""Who is calling: customer/ops JWTs and partner HMAC signatures, checked at the edge."""

import asyncio
import hmac
import re
import time
from typing import Any, Protocol

import jwt

from gateway.config import Settings
from gateway.partners import Partner
from servicekit.principal import ANONYMOUS, Principal
from servicekit.request_signing import signature

_HEX_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


class Unauthenticated(Exception):
    """Credentials were presented and are not valid (401)."""


class ReplayGuard(Protocol):
    async def first_use(self, signature_hex: str) -> bool: ...


class Authenticator:
    def __init__(self, settings: Settings, partners: dict[str, Partner], replay_guard: ReplayGuard) -> None:
        self.settings = settings
        self.partners = partners
        self.replays = replay_guard
        self._tokens: dict[str, tuple[Principal, float]] = {}
        # Production: keys from the account service's JWKS, cached; an unknown kid triggers a refetch.
        self.jwks = jwt.PyJWKClient(
            settings.jwks_url, cache_keys=True, lifespan=3600, timeout=5, cooldown_duration=settings.jwks_refetch_cooldown_seconds
        ) if settings.jwks_url else None

    async def customer(self, token: str) -> Principal:
        """A customer or ops principal from a bearer token (iss, aud, exp checked; algorithms fixed)."""
        cached = self._tokens.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        try:
            key = await asyncio.to_thread(self._jwks_key, token) if self.jwks else self.settings.jwt_secret
            claims = jwt.decode(
                token,
                key,
                algorithms=self.settings.jwt_algorithms,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthenticated(f"token not accepted: {exc}") from exc
        subject = str(claims["sub"])
        if not subject:
            raise Unauthenticated("token has no subject")
        principal = Principal("ops" if self.settings.jwt_ops_role in roles_of(claims.get(self.settings.jwt_roles_claim)) else "customer", subject)
        if len(self._tokens) > 10_000:
            self._tokens.clear()
        self._tokens[token] = (principal, float(claims["exp"]))
        return principal

    def _jwks_key(self, token: str) -> Any:
        assert self.jwks is not None
        return self.jwks.get_signing_key_from_jwt(token).key

    async def partner(self, key_id: str, signature_header: str, method: str, path_with_query: str, body: bytes) -> Principal:
        """A partner principal from X-Api-Key and X-Signature, within tolerance and never twice."""
        partner = self.partners.get(key_id)
        parts = dict(item.strip().split("=", 1) for item in signature_header.split(",") if "=" in item)
        try:
            timestamp = int(parts["t"])
            sent = parts["v1"]
        except (KeyError, ValueError) as exc:
            raise Unauthenticated("X-Signature must be t=<unix seconds>,v1=<hex>") from exc
        if not _HEX_SHA256.match(sent):
            raise Unauthenticated("X-Signature v1 must be 64 hex digits")
        sent = sent.lower()
        if abs(time.time() - timestamp) > self.settings.signature_tolerance_seconds:
            raise Unauthenticated("signature timestamp outside the allowed window")
        # Compute even for an unknown key, so timing does not tell which key ids exist.
        expected = signature(partner.secret if partner else "unknown-partner", timestamp, method, path_with_query, body)
        if partner is None or not hmac.compare_digest(expected, sent):
            raise Unauthenticated("signature does not match")
        if not await self.replays.first_use(sent):
            raise Unauthenticated("signature already used")
        return Principal("partner", partner.key_id, partner_kind=partner.kind, store_id=partner.store_id)


def roles_of(claim: object) -> set[str]:
    """Roles as exact names, whether the token lists them or gives a space-separated string."""
    if isinstance(claim, str):
        return set(claim.split())
    if isinstance(claim, list | tuple):
        return {role for role in claim if isinstance(role, str)}
    return set()


def bearer_token(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


__all__ = ["ANONYMOUS", "Authenticator", "Unauthenticated", "bearer_token"]
