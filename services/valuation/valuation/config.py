"""Valuation settings: database, port, pricing adapter and its partner, deductions and limits."""

from typing import Literal

from pydantic import Field

from servicekit.settings import ServiceSettings, check_secret

# Percent of the flawless market price taken off for each condition finding. Touch, cracked or
# bent bodies, cracked screens and dead pixels are not here: they make the device ineligible.
DEFAULT_DEDUCTIONS: dict[str, int] = {
    "screen_minor_scratches": 5,
    "screen_heavy_scratches": 15,
    "body_minor_scratches": 3,
    "body_dents": 10,
    "issue_camera": 15,
    "issue_battery": 10,
    "issue_speaker": 5,
    "issue_microphone": 5,
    "issue_buttons": 5,
    "issue_wifi": 10,
    "issue_charging_port": 8,
    "issue_fingerprint": 5,
    "issue_face_unlock": 3,
    "missing_charger": 2,
    "missing_box": 1,
    "missing_invoice": 2,
}


class Settings(ServiceSettings):
    database_url: str = Field("sqlite+aiosqlite:///var/valuation.db", validation_alias="VALUATION_DATABASE_URL")
    port: int = Field(8103, validation_alias="VALUATION_PORT")
    pricing: Literal["builtin", "http"] = Field("builtin", validation_alias="VALUATION_PRICING")
    deductions: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_DEDUCTIONS), validation_alias="VALUATION_DEDUCTIONS")
    quote_validity_hours: int = Field(72, validation_alias="VALUATION_QUOTE_VALIDITY_HOURS")
    minimum_offer_paise: int = Field(10_000, validation_alias="VALUATION_MINIMUM_OFFER_PAISE")
    # The Cashify-style partner (docs/valuation.md); used when VALUATION_PRICING=http.
    partner_url: str = Field("http://127.0.0.1:8190", validation_alias="VALUATION_PARTNER_URL")
    partner_api_key: str = Field("dev-partner-key", validation_alias="VALUATION_PARTNER_API_KEY")
    partner_timeout_seconds: float = Field(2.0, validation_alias="VALUATION_PARTNER_TIMEOUT_SECONDS")
    partner_max_attempts: int = Field(3, ge=1, le=5, validation_alias="VALUATION_PARTNER_MAX_ATTEMPTS")
    partner_backoff_seconds: float = Field(0.2, validation_alias="VALUATION_PARTNER_BACKOFF_SECONDS")
    partner_breaker_failures: int = Field(5, ge=1, validation_alias="VALUATION_PARTNER_BREAKER_FAILURES")
    partner_breaker_reset_seconds: float = Field(30.0, validation_alias="VALUATION_PARTNER_BREAKER_RESET_SECONDS")
    last_known_price_hours: int = Field(24, validation_alias="VALUATION_LAST_KNOWN_PRICE_HOURS")

    def refuse_in_production(self) -> None:
        if self.pricing == "http":
            check_secret("VALUATION_PARTNER_API_KEY", self.partner_api_key, self.env)
