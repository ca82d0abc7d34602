"""The enrolment service: sells Smart Upgrade plans and follows them to redemption or lapse.

Publishes PlanPurchased/Cancelled/Redeemed/Lapsed; consumes ModelUpserted and the valuation
service's exchange events.
"""

import functools

from fastapi import FastAPI

from contracts.enrolment import TOPIC
from enrolment.api.routes import router
from enrolment.config import Settings
from enrolment.db.tables import idempotency_keys, inbox, ops_audit, outbox
from enrolment.events.inbound import subscriptions
from enrolment.service import errors
from enrolment.service.lapsing import sweep_forever
from eventing.outbox import Outbox
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.eventops import event_ops_router
from servicekit.events import event_ops, inbox_consumer, outbox_relay

SERVICE = "enrolment"


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()

    async def startup(app: FastAPI) -> None:
        db = app.state.db
        app.state.outbox = Outbox(outbox, source=f"/{SERVICE}")
        app.state.relay = outbox_relay(db, app.state.outbox, TOPIC, settings)
        app.state.consumer = inbox_consumer(SERVICE, db, inbox, subscriptions(app.state.outbox, app.state.clock), settings)
        app.state.event_ops = event_ops(SERVICE, db, ops_audit, app.state.outbox, app.state.consumer)

    def workers(app: FastAPI) -> list:
        lapse_sweep = functools.partial(sweep_forever, app.state.db, app.state.outbox, app.state.clock, settings.lapse_sweep_seconds)
        return [app.state.relay.run, app.state.consumer.run, lapse_sweep]

    app = create_service_app(
        SERVICE,
        settings,
        [router, event_ops_router(SERVICE)],
        database_url=settings.database_url,
        clock=clock,
        idempotency_table=idempotency_keys,
        startup=startup,
        workers=workers,
    )
    errors.install(app)
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory enrolment.main:app`."""
    return create_app()
