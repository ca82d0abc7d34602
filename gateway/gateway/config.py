"""Gateway settings: where the services are, how callers are authenticated, and the limits."""

import ipaddress
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.partners import DEV_PARTNERS_FILE, load_partners, refuse_dev_partners
from servicekit.environment import Environment
from servicekit.settings import EnvironmentField, Refused, check_secret

DEV_ISSUER = "smartupgrade-dev-issuer"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Settings(BaseSettings):
    """Every setting but the secrets has a default that works on one machine; `ENV=production` refuses the dev ones."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    env: EnvironmentField = Field(Environment.DEVELOPMENT, validation_alias="ENV")
    port: int = Field(8000, validation_alias="GATEWAY_PORT")
    catalog_url: str = Field("http://127.0.0.1:8101", validation_alias="CATALOG_URL")
    enrolment_url: str = Field("http://127.0.0.1:8102", validation_alias="ENROLMENT_URL")
    valuation_url: str = Field("http://127.0.0.1:8103", validation_alias="VALUATION_URL")
    coupon_url: str = Field("http://127.0.0.1:8104", validation_alias="COUPON_URL")
    notification_url: str = Field("http://127.0.0.1:8105", validation_alias="NOTIFICATION_URL")

    internal_secret: str = Field("", validation_alias="INTERNAL_SECRET")
    # Bearer token Prometheus sends to scrape the gateway's /metrics (as the services'); unset, not served.
    metrics_token: str = Field("", validation_alias="METRICS_TOKEN")
    # Customer tokens. Algorithms come from here, never from the token's header.
    jwt_issuer: str = Field(DEV_ISSUER, validation_alias="JWT_ISSUER")
    jwt_audience: str = Field("smartupgrade-api", validation_alias="JWT_AUDIENCE")
    jwt_algorithms: list[str] = Field(["HS256"], validation_alias="JWT_ALGORITHMS")
    # Signs the local dev issuer's tokens (`make token`); `make run` makes one per data directory.
    jwt_secret: str = Field("", validation_alias="JWT_SECRET")
    jwks_url: str | None = Field(None, validation_alias="JWKS_URL")
    jwt_roles_claim: str = Field("roles", validation_alias="JWT_ROLES_CLAIM")
    jwt_ops_role: str = Field("ops", validation_alias="JWT_OPS_ROLE")
    # An unknown kid refetches the key set, but not more often than this (tokens with made-up kids are cheap).
    jwks_refetch_cooldown_seconds: float = Field(10.0, validation_alias="JWKS_REFETCH_COOLDOWN_SECONDS")

    partners_file: Path = Field(DEV_PARTNERS_FILE, validation_alias="PARTNERS_FILE")
    signature_tolerance_seconds: int = Field(300, validation_alias="SIGNATURE_TOLERANCE_SECONDS")

    upstream_timeout_seconds: float = Field(10.0, validation_alias="UPSTREAM_TIMEOUT_SECONDS")
    max_body_bytes: int = Field(64 * 1024, validation_alias="MAX_BODY_BYTES")
    max_header_bytes: int = Field(16 * 1024, validation_alias="MAX_HEADER_BYTES")
    max_query_bytes: int = Field(4 * 1024, validation_alias="MAX_QUERY_BYTES")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    redis_prefix: str = Field("gw:", validation_alias="REDIS_PREFIX")
    # Proxies or load balancers in front of the gateway whose X-Forwarded-For is believed (CIDRs).
    # Nobody's by default: the client address is the TCP peer, so a header cannot pick a rate-limit bucket.
    trusted_proxies: list[Network] = Field([], validation_alias="TRUSTED_PROXIES")

    # Token buckets, "<requests per second>/<burst>", per principal (anonymous: per client address).
    rate_anonymous: str = Field("20/40", validation_alias="RATE_ANONYMOUS")
    rate_customer: str = Field("10/30", validation_alias="RATE_CUSTOMER")
    rate_ops: str = Field("50/100", validation_alias="RATE_OPS")
    rate_partner: str = Field("50/100", validation_alias="RATE_PARTNER")
    # Coupon-code lookups are tight so codes cannot be guessed: 12 a minute after a burst of 5.
    rate_coupon_lookup: str = Field("0.2/5", validation_alias="RATE_COUPON_LOOKUP")
    # Failed authentications per client address: after 20, one every 5 s; meanwhile 429 before any check.
    rate_auth_failure: str = Field("0.2/20", validation_alias="RATE_AUTH_FAILURE")
    rate_limit_max_keys: int = Field(100_000, gt=0, validation_alias="RATE_LIMIT_MAX_KEYS")

    cors_origins: list[str] = Field(["http://localhost:3000", "http://127.0.0.1:3000"], validation_alias="CORS_ORIGINS")
    openapi_refresh_seconds: float = Field(30.0, validation_alias="OPENAPI_REFRESH_SECONDS")

    @model_validator(mode="after")
    def _refuse_unsafe_settings(self) -> "Settings":
        check_secret("INTERNAL_SECRET", self.internal_secret, self.env)
        check_secret("METRICS_TOKEN", self.metrics_token, self.env, required=False)
        if self.env is Environment.PRODUCTION:
            if self.jwks_url is None:
                raise Refused("JWKS_URL is not set; ENV=production validates the account service's tokens from its JWKS")
            if self.jwt_issuer == DEV_ISSUER:
                raise Refused(f"JWT_ISSUER is the local dev issuer {DEV_ISSUER!r}; ENV=production needs the account service's issuer")
            if any(algorithm.upper().startswith("HS") for algorithm in self.jwt_algorithms):
                raise Refused("JWT_ALGORITHMS includes a shared-secret (HS*) algorithm; ENV=production takes RS256/ES256 from JWKS")
            refuse_dev_partners(self.partners_file, load_partners(self.partners_file))
        elif not self.jwks_url:
            check_secret("JWT_SECRET", self.jwt_secret, self.env)
        return self

    def limit(self, name: str) -> tuple[float, int]:
        rate, _, burst = getattr(self, f"rate_{name}").partition("/")
        return float(rate), int(burst)

    def upstreams(self) -> dict[str, str]:
        return {"catalog": self.catalog_url, "enrolment": self.enrolment_url, "valuation": self.valuation_url, "coupon": self.coupon_url, "notification": self.notification_url}
