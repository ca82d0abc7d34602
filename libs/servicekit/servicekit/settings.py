"""Settings shared by every service; each service subclasses with its own database and port."""

from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from eventing.kafka import KafkaSettings
from servicekit.environment import PUBLISHED_SECRETS, Environment, fingerprint, parse_environment

EnvironmentField = Annotated[Environment, BeforeValidator(parse_environment)]
MIN_SECRET_LENGTH = 32


class Refused(ValueError):
    """A setting this environment must not run with; the message names the setting."""


def check_secret(name: str, value: str | None, env: Environment, *, required: bool = True) -> None:
    """No process runs without its secret; production also refuses short and published ones."""
    if not value:
        if required:
            raise Refused(f"{name} is not set (`make run` makes one per data directory in var/secrets.env; production takes it from a secret store)")
        return
    if env is Environment.PRODUCTION:
        if fingerprint(value) in PUBLISHED_SECRETS:
            raise Refused(f"{name} is a development secret published in this repository; ENV=production refuses it")
        if len(value) < MIN_SECRET_LENGTH:
            raise Refused(f"{name} must be at least {MIN_SECRET_LENGTH} characters in production")


class ServiceSettings(BaseSettings):
    """Read from the environment; secrets have no default (the launcher makes them per data directory)."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    env: EnvironmentField = Field(Environment.DEVELOPMENT, validation_alias="ENV")
    kafka_bootstrap: str = Field("127.0.0.1:19092", validation_alias="KAFKA_BOOTSTRAP")
    event_partitions: int = Field(3, validation_alias="EVENT_PARTITIONS")
    kafka_replication_factor: int = Field(1, validation_alias="KAFKA_REPLICATION_FACTOR")
    kafka_session_timeout_ms: int = Field(10_000, validation_alias="KAFKA_SESSION_TIMEOUT_MS")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field("PLAINTEXT", validation_alias="KAFKA_SECURITY_PROTOCOL")
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = Field("SCRAM-SHA-512", validation_alias="KAFKA_SASL_MECHANISM")
    kafka_sasl_username: str | None = Field(None, validation_alias="KAFKA_SASL_USERNAME")
    kafka_sasl_password: str | None = Field(None, validation_alias="KAFKA_SASL_PASSWORD")
    kafka_ssl_cafile: str | None = Field(None, validation_alias="KAFKA_SSL_CAFILE")
    # Signs the identity the gateway forwards; shared by the gateway and every service, never defaulted.
    internal_secret: str = Field("", validation_alias="INTERNAL_SECRET")
    # Bearer token Prometheus sends to scrape /metrics; without one /metrics is not served.
    metrics_token: str = Field("", validation_alias="METRICS_TOKEN")
    # A worker-only process (`python -m <svc>.worker`) serves its /metrics on this port; 0: not at all.
    worker_metrics_port: int = Field(0, ge=0, le=65535, validation_alias="WORKER_METRICS_PORT")
    # Shared by API replicas: forwarded identities already used (each is accepted once). In memory without it.
    redis_url: str | None = Field(None, validation_alias="REDIS_URL")
    # Keys in Redis are `<REDIS_PREFIX><service>:jti:<id>`; a prefix per deployment (or test run) keeps them apart.
    redis_prefix: str = Field("svc:", validation_alias="REDIS_PREFIX")
    # A claimed Idempotency-Key whose request never finished (its process died) is taken over after this;
    # it must exceed the longest request (the gateway gives up after UPSTREAM_TIMEOUT_SECONDS, 10 s).
    idempotency_lease_seconds: float = Field(60.0, gt=0, validation_alias="IDEMPOTENCY_LEASE_SECONDS")
    max_body_bytes: int = Field(64 * 1024, gt=0, validation_alias="MAX_BODY_BYTES")
    run_workers: bool = Field(True, validation_alias="RUN_WORKERS")
    relay_poll_seconds: float = Field(0.5, validation_alias="RELAY_POLL_SECONDS")
    log_level: str = Field("INFO", validation_alias="LOG_LEVEL")

    @model_validator(mode="after")
    def _refuse_unsafe_settings(self) -> "ServiceSettings":
        check_secret("INTERNAL_SECRET", self.internal_secret, self.env)
        if self.kafka_security_protocol.startswith("SASL") and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise Refused("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are needed with KAFKA_SECURITY_PROTOCOL=" + self.kafka_security_protocol)
        if self.env is Environment.PRODUCTION:
            check_secret("METRICS_TOKEN", self.metrics_token, self.env)
            if self.database_url_value().startswith("sqlite"):
                raise Refused(f"{self.database_env_name()} is SQLite; ENV=production needs a PostgreSQL database URL")
        self.refuse_in_production()
        return self

    def refuse_in_production(self) -> None:
        """A service's own production checks (override; raise Refused naming the setting)."""

    def database_url_value(self) -> str:
        """The service's database URL; subclasses define the field under their own env name."""
        return str(getattr(self, "database_url", ""))

    def database_env_name(self) -> str:
        field = type(self).model_fields.get("database_url")
        return str(field.validation_alias) if field is not None and field.validation_alias else "DATABASE_URL"

    def kafka(self) -> KafkaSettings:
        return KafkaSettings(
            bootstrap=self.kafka_bootstrap,
            partitions=self.event_partitions,
            replication_factor=self.kafka_replication_factor,
            session_timeout_ms=self.kafka_session_timeout_ms,
            heartbeat_interval_ms=max(self.kafka_session_timeout_ms // 5, 500),
            security_protocol=self.kafka_security_protocol,
            sasl_mechanism=self.kafka_sasl_mechanism,
            sasl_username=self.kafka_sasl_username,
            sasl_password=self.kafka_sasl_password,
            ssl_cafile=self.kafka_ssl_cafile,
        )
