"""The coupon service: exchange credits minted from ExchangeAccepted, redeemed once, swept at expiry."""

from fastapi import FastAPI

from contracts.coupon import TOPIC
from coupon.api.routes import router
from coupon.config import Settings
from coupon.db.tables import idempotency_keys, inbox, ops_audit, outbox
from coupon.events.inbound import subscriptions
from coupon.service import errors
from coupon.service.expiry import ExpirySweep
from eventing.outbox import Outbox
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.eventops import event_ops_router
from servicekit.events import event_ops, inbox_consumer, outbox_relay

SERVICE = "coupon"


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()

    async def startup(app: FastAPI) -> None:
        db = app.state.db
        app.state.outbox = Outbox(outbox, source=f"/{SERVICE}")
        app.state.relay = outbox_relay(db, app.state.outbox, TOPIC, settings)
        app.state.consumer = inbox_consumer(SERVICE, db, inbox, subscriptions(app.state.outbox, app.state.clock, settings.validity_days), settings)
        app.state.event_ops = event_ops(SERVICE, db, ops_audit, app.state.outbox, app.state.consumer)
        app.state.expiry_sweep = ExpirySweep(db, app.state.outbox, app.state.clock, settings.expiry_sweep_seconds)

    app = create_service_app(
        SERVICE,
        settings,
        [router, event_ops_router(SERVICE)],
        database_url=settings.database_url,
        clock=clock,
        idempotency_table=idempotency_keys,
        startup=startup,
        workers=lambda app: [app.state.relay.run, app.state.consumer.run, app.state.expiry_sweep.run],
    )
    errors.install(app)
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory coupon.main:app`."""
    return create_app()
