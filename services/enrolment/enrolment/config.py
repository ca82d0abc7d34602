"""Enrolment settings."""

from pydantic import Field

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    database_url: str = Field("sqlite+aiosqlite:///var/enrolment.db", validation_alias="ENROLMENT_DATABASE_URL")
    port: int = Field(8102, validation_alias="ENROLMENT_PORT")
    # How often the lapse sweep looks for plans past their last window; a lapse is a date, so minutes are plenty.
    lapse_sweep_seconds: float = Field(300.0, validation_alias="ENROLMENT_LAPSE_SWEEP_SECONDS")
