"""Gateway settings: where the services are, how callers are authenticated, and the limits."""

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from servicekit.settings import DEV_INTERNAL_SECRET

DEV_TOKEN_SECRET = "dev-token-secret-for-the-local-issuer-only"
DEV_ISSUER = "smartupgrade-dev-issuer"


class Settings(BaseSettings):
    """Every setting has a default that works on one machine; `ENV=production` refuses the dev ones."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    env: str = Field("dev", validation_alias="ENV")
    port: int = Field(8000, validation_alias="GATEWAY_PORT")
    catalog_url: str = Field("http://127.0.0.1:8101", validation_alias="CATALOG_URL")
    enrolment_url: str = Field("http://127.0.0.1:8102", validation_alias="ENROLMENT_URL")
    valuation_url: str = Field("http://127.0.0.1:8103", validation_alias="VALUATION_URL")
    coupon_url: str = Field("http://127.0.0.1:8104", validation_alias="COUPON_URL")

    internal_secret: str = Field(DEV_INTERNAL_SECRET, validation_alias="INTERNAL_SECRET")
    # Customer tokens. Algorithms come from here, never from the token's header.
    jwt_issuer: str = Field(DEV_ISSUER, validation_alias="JWT_ISSUER")
    jwt_audience: str = Field("smartupgrade-api", validation_alias="JWT_AUDIENCE")
    jwt_algorithms: list[str] = Field(["HS256"], validation_alias="JWT_ALGORITHMS")
    jwt_secret: str = Field(DEV_TOKEN_SECRET, validation_alias="JWT_SECRET")
    jwks_url: str | None = Field(None, validation_alias="JWKS_URL")
    jwt_roles_claim: str = Field("roles", validation_alias="JWT_ROLES_CLAIM")
    jwt_ops_role: str = Field("ops", validation_alias="JWT_OPS_ROLE")
    # An unknown kid refetches the key set, but not more often than this (tokens with made-up kids are cheap).
    jwks_refetch_cooldown_seconds: float = Field(10.0, validation_alias="JWKS_REFETCH_COOLDOWN_SECONDS")

    partners_file: Path = Field(Path("deploy/local/partners.json"), validation_alias="PARTNERS_FILE")
    signature_tolerance_seconds: int = Field(300, validation_alias="SIGNATURE_TOLERANCE_SECONDS")

    upstream_timeout_seconds: float = Field(10.0, validation_alias="UPSTREAM_TIMEOUT_SECONDS")
    max_body_bytes: int = Field(64 * 1024, validation_alias="MAX_BODY_BYTES")
    max_header_bytes: int = Field(16 * 1024, validation_alias="MAX_HEADER_BYTES")
    max_query_bytes: int = Field(4 * 1024, validation_alias="MAX_QUERY_BYTES")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    redis_prefix: str = Field("gw:", validation_alias="REDIS_PREFIX")

    # Token buckets, "<requests per second>/<burst>", per principal (anonymous: per client address).
    rate_anonymous: str = Field("20/40", validation_alias="RATE_ANONYMOUS")
    rate_customer: str = Field("10/30", validation_alias="RATE_CUSTOMER")
    rate_ops: str = Field("50/100", validation_alias="RATE_OPS")
    rate_partner: str = Field("50/100", validation_alias="RATE_PARTNER")
    # Coupon-code lookups are tight so codes cannot be guessed: 12 a minute after a burst of 5.
    rate_coupon_lookup: str = Field("0.2/5", validation_alias="RATE_COUPON_LOOKUP")

    cors_origins: list[str] = Field(["http://localhost:3000", "http://127.0.0.1:3000"], validation_alias="CORS_ORIGINS")
    openapi_refresh_seconds: float = Field(30.0, validation_alias="OPENAPI_REFRESH_SECONDS")

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> "Settings":
        if self.env == "production":
            if self.internal_secret == DEV_INTERNAL_SECRET or len(self.internal_secret) < 32:
                raise ValueError("ENV=production needs INTERNAL_SECRET set to a real secret")
            if self.jwks_url is None or self.jwt_issuer == DEV_ISSUER or any(a.startswith("HS") for a in self.jwt_algorithms):
                raise ValueError("ENV=production validates account-service tokens from JWKS_URL with RS256/ES256, not the dev issuer")
        return self

    def limit(self, name: str) -> tuple[float, int]:
        rate, _, burst = getattr(self, f"rate_{name}").partition("/")
        return float(rate), int(burst)

    def upstreams(self) -> dict[str, str]:
        return {"catalog": self.catalog_url, "enrolment": self.enrolment_url, "valuation": self.valuation_url, "coupon": self.coupon_url}
