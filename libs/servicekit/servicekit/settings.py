"""Settings shared by every service; each service subclasses with its own database and port."""

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from eventing.kafka import KafkaSettings

# Working defaults for one machine. `ENV=production` refuses to start with them.
DEV_INTERNAL_SECRET = "dev-internal-secret-change-me-not-for-production"


class ServiceSettings(BaseSettings):
    """Read from the environment; every field has a default that works on one machine."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    env: str = Field("dev", validation_alias="ENV")
    kafka_bootstrap: str = Field("127.0.0.1:19092", validation_alias="KAFKA_BOOTSTRAP")
    event_partitions: int = Field(3, validation_alias="EVENT_PARTITIONS")
    kafka_replication_factor: int = Field(1, validation_alias="KAFKA_REPLICATION_FACTOR")
    kafka_session_timeout_ms: int = Field(10_000, validation_alias="KAFKA_SESSION_TIMEOUT_MS")
    internal_secret: str = Field(DEV_INTERNAL_SECRET, validation_alias="INTERNAL_SECRET")
    run_workers: bool = Field(True, validation_alias="RUN_WORKERS")
    relay_poll_seconds: float = Field(0.5, validation_alias="RELAY_POLL_SECONDS")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> "ServiceSettings":
        if self.env == "production":
            if self.internal_secret == DEV_INTERNAL_SECRET or len(self.internal_secret) < 32:
                raise ValueError("ENV=production needs INTERNAL_SECRET set to a real secret of 32+ characters")
            if self.database_url_value().startswith("sqlite"):
                raise ValueError("ENV=production needs a PostgreSQL database URL")
        return self

    def database_url_value(self) -> str:
        """The service's database URL; subclasses define the field under their own env name."""
        return str(getattr(self, "database_url", ""))

    def kafka(self) -> KafkaSettings:
        return KafkaSettings(
            bootstrap=self.kafka_bootstrap,
            partitions=self.event_partitions,
            replication_factor=self.kafka_replication_factor,
            session_timeout_ms=self.kafka_session_timeout_ms,
            heartbeat_interval_ms=max(self.kafka_session_timeout_ms // 5, 500),
        )
