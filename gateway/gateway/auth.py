"""Who is calling: customer/ops JWTs and partner HMAC signatures, checked at the edge."""

import hmac
import time
from collections import OrderedDict

import jwt

from gateway.config import Settings
from gateway.partners import Partner
from servicekit.principal import ANONYMOUS, Principal
from smartupgrade_partner.signing import signature


class Unauthenticated(Exception):
    """Credentials were presented and are not valid (401)."""


class ReplayGuard:
    """Remembers signatures seen within the tolerance window, so each is accepted once."""

    def __init__(self, window_seconds: int) -> None:
        self.window = window_seconds
        self._seen: OrderedDict[str, float] = OrderedDict()

    def first_use(self, signature_hex: str, now: float) -> bool:
        while self._seen and next(iter(self._seen.values())) < now:
            self._seen.popitem(last=False)
        if signature_hex in self._seen:
            return False
        # Kept until the signature could no longer pass the timestamp check anyway.
        self._seen[signature_hex] = now + 2 * self.window
        return True


class Authenticator:
    def __init__(self, settings: Settings, partners: dict[str, Partner], replay_guard: ReplayGuard) -> None:
        self.settings = settings
        self.partners = partners
        self.replays = replay_guard
        self._tokens: dict[str, tuple[Principal, float]] = {}
        self.jwks_client = jwt.PyJWKClient(settings.jwks_url, cache_keys=True) if settings.jwks_url else None

    def customer(self, token: str) -> Principal:
        """A customer or ops principal from a bearer token (iss, aud, exp checked; algorithms fixed)."""
        cached = self._tokens.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        try:
            key = self.jwks_client.get_signing_key_from_jwt(token).key if self.jwks_client else self.settings.jwt_secret
            claims = jwt.decode(
                token,
                key,
                algorithms=self.settings.jwt_algorithms,
                audience=self.settings.jwt_audience,
                issuer=self.settings.jwt_issuer,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"token not accepted: {exc}") from exc
        subject = str(claims["sub"])
        if not subject:
            raise Unauthenticated("token has no subject")
        roles = claims.get("roles") or []
        principal = Principal("ops" if "ops" in roles else "customer", subject)
        if len(self._tokens) > 10_000:
            self._tokens.clear()
        self._tokens[token] = (principal, float(claims["exp"]))
        return principal

    def partner(self, key_id: str, signature_header: str, method: str, path_with_query: str, body: bytes) -> Principal:
        """A partner principal from X-Api-Key and X-Signature, within tolerance and never twice."""
        partner = self.partners.get(key_id)
        parts = dict(item.split("=", 1) for item in signature_header.split(",") if "=" in item)
        try:
            timestamp = int(parts["t"])
            sent = parts["v1"]
        except (KeyError, ValueError) as exc:
            raise Unauthenticated("X-Signature must be t=<unix seconds>,v1=<hex>") from exc
        now = time.time()
        if abs(now - timestamp) > self.settings.signature_tolerance_seconds:
            raise Unauthenticated("signature timestamp outside the allowed window")
        # Compute even for an unknown key, so timing does not tell which key ids exist.
        expected = signature(partner.secret if partner else "unknown-partner", timestamp, method, path_with_query, body)
        if partner is None or not hmac.compare_digest(expected, sent):
            raise Unauthenticated("signature does not match")
        if not self.replays.first_use(sent, now):
            raise Unauthenticated("signature already used")
        return Principal("partner", partner.key_id, partner_kind=partner.kind, store_id=partner.store_id)  # type: ignore[arg-type]


def bearer_token(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


__all__ = ["ANONYMOUS", "Authenticator", "ReplayGuard", "Unauthenticated", "bearer_token"]
