"""The notification service: signed partner webhooks and customer messages, fed by plan, exchange and coupon events."""

from datetime import datetime, timedelta

from fastapi import FastAPI

from eventing.outbox import Outbox
from notification.api import me, routes
from notification.channels import Channel
from notification.channels.local import LocalSink
from notification.channels.smtp import SmtpChannel
from notification.config import Settings
from notification.db.tables import consumer_positions, dead_letters, idempotency_keys, inbox, ops_audit, outbox
from notification.domain.retry import Backoff
from notification.events.consumer import EnvelopeConsumer
from notification.events.inbound import subscriptions
from notification.service import errors
from notification.service.delivering import DeliveryWorker
from notification.service.messaging import MessageSweep
from notification.service.secrets import SecretBox
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.environment import Environment
from servicekit.eventops import event_ops_router
from servicekit.events import event_ops

SERVICE = "notification"


class ShiftedClock(Clock):
    """The real clock moved by NOTIFICATION_CLOCK_OFFSET_SECONDS (development and test only; production refuses it)."""

    def __init__(self, offset_seconds: float) -> None:
        self.offset = timedelta(seconds=offset_seconds)

    def now(self) -> datetime:
        return super().now() + self.offset


def channel_of(settings: Settings) -> Channel:
    if settings.channel == "smtp":
        return SmtpChannel(
            settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_recipient_template,
            username=settings.smtp_username, password=settings.smtp_password, starttls=settings.smtp_starttls,
        )  # fmt: skip
    return LocalSink()


def create_app(settings: Settings | None = None, clock: Clock | None = None, channel: Channel | None = None) -> FastAPI:
    settings = settings or Settings()
    if clock is None and settings.clock_offset_seconds:
        clock = ShiftedClock(settings.clock_offset_seconds)

    async def startup(app: FastAPI) -> None:
        db, now = app.state.db, app.state.clock
        app.state.secret_box = SecretBox(settings.secrets_key)
        app.state.consumer = EnvelopeConsumer(
            SERVICE, subscriptions(now), inbox, db.transaction, settings.kafka(), dead_letters=dead_letters, positions=consumer_positions,
        )  # fmt: skip
        # Its outbox stays empty (it publishes nothing), so the backlog answers 0 like any service's;
        # the dead letters and lag are its consumer's.
        app.state.event_ops = event_ops(SERVICE, db, ops_audit, Outbox(outbox, source=f"/{SERVICE}"), app.state.consumer)
        backoff = Backoff(settings.backoff_first_seconds, settings.backoff_cap_seconds, settings.retry_window_seconds)
        app.state.delivery_worker = DeliveryWorker(
            db, app.state.secret_box, now, backoff, timeout_seconds=settings.delivery_timeout_seconds,
            disable_after=timedelta(seconds=settings.disable_after_seconds), poll_seconds=settings.delivery_poll_seconds,
            batch=settings.delivery_batch, check_addresses=settings.env is Environment.PRODUCTION,
        )  # fmt: skip
        app.state.message_sweep = MessageSweep(db, channel or channel_of(settings), now, settings.message_poll_seconds)

    app = create_service_app(
        SERVICE,
        settings,
        [routes.router, me.router, event_ops_router(SERVICE)],
        database_url=settings.database_url,
        clock=clock,
        idempotency_table=idempotency_keys,
        startup=startup,
        workers=lambda app: [app.state.consumer.run, app.state.delivery_worker.run, app.state.message_sweep.run],
    )
    errors.install(app)
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory notification.main:app`."""
    return create_app()
