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

    partners_file: Path = Field(Path("deploy/local/partners.json"), validation_alias="PARTNERS_FILE")
    signature_tolerance_seconds: int = Field(300, validation_alias="SIGNATURE_TOLERANCE_SECONDS")

    upstream_timeout_seconds: float = Field(10.0, validation_alias="UPSTREAM_TIMEOUT_SECONDS")
    max_body_bytes: int = Field(64 * 1024, validation_alias="MAX_BODY_BYTES")
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> "Settings":
        if self.env == "production":
            if self.internal_secret == DEV_INTERNAL_SECRET or len(self.internal_secret) < 32:
                raise ValueError("ENV=production needs INTERNAL_SECRET set to a real secret")
            if self.jwks_url is None or self.jwt_issuer == DEV_ISSUER or any(a.startswith("HS") for a in self.jwt_algorithms):
                raise ValueError("ENV=production validates account-service tokens from JWKS_URL with RS256/ES256, not the dev issuer")
        return self

    def upstreams(self) -> dict[str, str]:
        return {"catalog": self.catalog_url, "enrolment": self.enrolment_url, "valuation": self.valuation_url, "coupon": self.coupon_url}
