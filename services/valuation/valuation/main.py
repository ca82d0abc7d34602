"""The valuation service: quotes, exchanges and handovers. Publishes ExchangeAccepted/Completed/Cancelled."""

from datetime import timedelta

from fastapi import FastAPI

from contracts.valuation import TOPIC
from eventing.outbox import Outbox
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.eventops import event_ops_router
from servicekit.events import event_ops, inbox_consumer, outbox_relay
from valuation.api import ops_routes, routes
from valuation.config import Settings
from valuation.db.tables import idempotency_keys, inbox, ops_audit, outbox
from valuation.events.inbound import subscriptions
from valuation.pricing import PricingAdapter
from valuation.pricing.breaker import CircuitBreaker
from valuation.pricing.builtin import BuiltinPricing
from valuation.pricing.memory import DatabasePrices
from valuation.pricing.partner import PartnerPricing
from valuation.service import errors

SERVICE = "valuation"


def pricing_adapter(app: FastAPI, settings: Settings) -> PricingAdapter:
    """The built-in engine by default; the Cashify-style partner when VALUATION_PRICING=http."""
    if settings.pricing == "builtin":
        return BuiltinPricing(app.state.db)
    return PartnerPricing(
        settings.partner_url,
        settings.partner_api_key,
        DatabasePrices(app.state.db),
        app.state.clock,
        CircuitBreaker(settings.partner_breaker_failures, settings.partner_breaker_reset_seconds),
        timeout_seconds=settings.partner_timeout_seconds,
        max_attempts=settings.partner_max_attempts,
        backoff_seconds=settings.partner_backoff_seconds,
        last_known=timedelta(hours=settings.last_known_price_hours),
    )


def create_app(settings: Settings | None = None, clock: Clock | None = None, pricing: PricingAdapter | None = None) -> FastAPI:
    settings = settings or Settings()

    async def startup(app: FastAPI) -> None:
        app.state.outbox = Outbox(outbox, source=f"/{SERVICE}")
        app.state.pricing = pricing or pricing_adapter(app, settings)
        db = app.state.db
        app.state.relay = outbox_relay(db, app.state.outbox, TOPIC, settings)
        app.state.consumer = inbox_consumer(SERVICE, db, inbox, subscriptions(app.state.outbox, app.state.clock), settings)
        app.state.event_ops = event_ops(SERVICE, db, ops_audit, app.state.outbox, app.state.consumer)

    async def shutdown(app: FastAPI) -> None:
        close = getattr(app.state.pricing, "close", None)  # the partner adapter's HTTP client
        if close is not None:
            await close()

    app = create_service_app(
        SERVICE,
        settings,
        [routes.router, ops_routes.router, event_ops_router(SERVICE)],
        database_url=settings.database_url,
        clock=clock,
        idempotency_table=idempotency_keys,
        startup=startup,
        shutdown=shutdown,
        workers=lambda app: [app.state.relay.run, app.state.consumer.run],
    )
    errors.install(app)
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory valuation.main:app`."""
    return create_app()
