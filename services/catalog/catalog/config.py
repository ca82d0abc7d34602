"""Catalog settings."""

from pydantic import Field

from servicekit.settings import ServiceSettings


class Settings(ServiceSettings):
    database_url: str = Field("sqlite+aiosqlite:///var/catalog.db", validation_alias="CATALOG_DATABASE_URL")
    port: int = Field(8101, validation_alias="CATALOG_PORT")
    # How stale an API replica's in-memory copy of the catalog may get after another replica writes.
    view_refresh_seconds: float = Field(1.0, validation_alias="CATALOG_VIEW_REFRESH_SECONDS")
