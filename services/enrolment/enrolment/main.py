"""The enrolment service: sells Smart Upgrade plans and follows them to redemption or lapse.

Publishes PlanPurchased/Cancelled/Redeemed/Lapsed; consumes ModelUpserted and the valuation
service's exchange events.
"""

import asyncio
import logging

from fastapi import FastAPI

from contracts.enrolment import TOPIC
from enrolment.api.routes import router
from enrolment.config import Settings
from enrolment.db.tables import idempotency_keys, inbox, outbox
from enrolment.events.inbound import subscriptions
from enrolment.service.following import lapse_due_plans
from eventing.outbox import Outbox
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.events import inbox_consumer, outbox_relay

SERVICE = "enrolment"
log = logging.getLogger("enrolment.sweep")


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()

    async def startup(app: FastAPI) -> None:
        db = app.state.db
        app.state.outbox = Outbox(outbox, source=f"/{SERVICE}")
        app.state.relay = outbox_relay(db, app.state.outbox, TOPIC, settings)
        app.state.consumer = inbox_consumer(SERVICE, db, inbox, subscriptions(app.state.outbox, app.state.clock), settings)

    async def sweep_lapsed_plans(app: FastAPI) -> None:
        """Every few minutes, lapse the plans whose last window has ended (PlanLapsed for each)."""
        while True:
            while True:  # drain a backlog batch by batch, each in its own short transaction
                async with app.state.db.transaction() as session:
                    lapsed = await lapse_due_plans(session, app.state.outbox, app.state.clock)
                if lapsed == 0:
                    break
                log.info("plans lapsed", extra={"count": lapsed})
            await asyncio.sleep(settings.lapse_sweep_seconds)

    def workers(app: FastAPI) -> list:
        async def lapse_sweep() -> None:
            await sweep_lapsed_plans(app)

        return [app.state.relay.run, app.state.consumer.run, lapse_sweep]

    return create_service_app(
        SERVICE,
        settings,
        [router],
        database_url=settings.database_url,
        clock=clock,
        idempotency_table=idempotency_keys,
        startup=startup,
        workers=workers,
    )


def app() -> FastAPI:
    """Factory for `uvicorn --factory enrolment.main:app`."""
    return create_app()
