"""Notification settings."""

from typing import Literal

from pydantic import Field

from servicekit.environment import Environment
from servicekit.settings import Refused, ServiceSettings, check_secret


class Settings(ServiceSettings):
    database_url: str = Field("sqlite+aiosqlite:///var/notification.db", validation_alias="NOTIFICATION_DATABASE_URL")
    port: int = Field(8105, validation_alias="NOTIFICATION_PORT")
    # Encrypts webhook signing secrets at rest (a database leak does not hand them out); never defaulted.
    secrets_key: str = Field("", validation_alias="NOTIFICATION_SECRETS_KEY")
    # Webhook delivery: per-attempt timeout, the retry window and the backoff's first step and cap.
    delivery_timeout_seconds: float = Field(10.0, gt=0, validation_alias="WEBHOOK_TIMEOUT_SECONDS")
    retry_window_seconds: float = Field(24 * 3600.0, gt=0, validation_alias="WEBHOOK_RETRY_WINDOW_SECONDS")
    backoff_first_seconds: float = Field(5.0, gt=0, validation_alias="WEBHOOK_BACKOFF_FIRST_SECONDS")
    backoff_cap_seconds: float = Field(3600.0, gt=0, validation_alias="WEBHOOK_BACKOFF_CAP_SECONDS")
    # An endpoint whose every attempt failed for this long is disabled (the partner sees why and re-enables).
    disable_after_seconds: float = Field(24 * 3600.0, gt=0, validation_alias="WEBHOOK_DISABLE_AFTER_SECONDS")
    # After a rotation the previous secret still signs (both signatures are sent) for this long.
    secret_overlap_seconds: float = Field(24 * 3600.0, gt=0, validation_alias="WEBHOOK_SECRET_OVERLAP_SECONDS")
    delivery_poll_seconds: float = Field(1.0, gt=0, validation_alias="WEBHOOK_POLL_SECONDS")
    delivery_batch: int = Field(20, ge=1, le=200, validation_alias="WEBHOOK_BATCH")
    # Customer messages: the channel, how often the scheduler looks for due messages.
    channel: Literal["local", "smtp"] = Field("local", validation_alias="NOTIFICATION_CHANNEL")
    message_poll_seconds: float = Field(5.0, gt=0, validation_alias="NOTIFICATION_POLL_SECONDS")
    smtp_host: str = Field("127.0.0.1", validation_alias="SMTP_HOST")
    smtp_port: int = Field(25, validation_alias="SMTP_PORT")
    smtp_username: str | None = Field(None, validation_alias="SMTP_USERNAME")
    smtp_password: str | None = Field(None, validation_alias="SMTP_PASSWORD")
    smtp_starttls: bool = Field(True, validation_alias="SMTP_STARTTLS")
    smtp_sender: str = Field("Smart Upgrade <no-reply@smartupgrade.example>", validation_alias="SMTP_FROM")
    # The account service owns contact details; until it publishes them an operator maps account → address
    # with this template (e.g. a relay that resolves `{account_id}@accounts.internal`).
    smtp_recipient_template: str = Field("{account_id}@accounts.invalid", validation_alias="SMTP_RECIPIENT_TEMPLATE")
    # Development/test only: shifts this process's clock, so a reminder days ahead can be fired through real processes.
    clock_offset_seconds: float = Field(0.0, validation_alias="NOTIFICATION_CLOCK_OFFSET_SECONDS")

    @property
    def loopback_webhooks(self) -> bool:
        """http://127.0.0.1 receivers: development and test only (docs/security.md, SSRF)."""
        return self.env is not Environment.PRODUCTION

    def refuse_in_production(self) -> None:
        check_secret("NOTIFICATION_SECRETS_KEY", self.secrets_key, self.env)
        if self.env is not Environment.PRODUCTION:
            return
        if self.clock_offset_seconds:
            raise Refused("NOTIFICATION_CLOCK_OFFSET_SECONDS is a development setting; ENV=production refuses it")
        if self.channel == "local":
            raise Refused("NOTIFICATION_CHANNEL=local keeps customer messages on this machine; ENV=production needs smtp")
