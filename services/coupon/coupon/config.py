"""Coupon settings."""

from pydantic import Field

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    database_url: str = Field("sqlite+aiosqlite:///var/coupon.db", validation_alias="COUPON_DATABASE_URL")
    port: int = Field(8104, validation_alias="COUPON_PORT")
    # What a coupon may be spent on (SPEC §7); compared case-insensitively with the catalog read model.
    eligible_brands: list[str] = Field(["Mi", "Redmi"], validation_alias="COUPON_ELIGIBLE_BRANDS")
    eligible_categories: list[str] = Field(["smartphone"], validation_alias="COUPON_ELIGIBLE_CATEGORIES")
    validity_days: int = Field(14, validation_alias="COUPON_VALIDITY_DAYS")
    # How often the expiry sweep looks for coupons past their expires_at (redemption checks the clock itself).
    expiry_sweep_seconds: float = Field(30.0, validation_alias="COUPON_EXPIRY_SWEEP_SECONDS")
