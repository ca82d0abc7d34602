"""The catalog service: models, SRP history, TACs and programme terms. Publishes ModelUpserted."""

from fastapi import FastAPI

from catalog.api.routes import router
from catalog.config import Settings
from catalog.db.tables import idempotency_keys, ops_audit, outbox
from catalog.service import errors
from catalog.service.freshness import CatalogFreshness
from catalog.service.view import CatalogView
from contracts.catalog import TOPIC
from eventing.outbox import Outbox
from servicekit.app import create_service_app
from servicekit.clock import Clock
from servicekit.eventops import event_ops_router
from servicekit.events import event_ops, outbox_relay

SERVICE = "catalog"


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()

    async def startup(app: FastAPI) -> None:
        app.state.outbox = Outbox(outbox, source=f"/{SERVICE}")
        app.state.view = CatalogView(app.state.db, settings.view_refresh_seconds)
        app.state.relay = outbox_relay(app.state.db, app.state.outbox, TOPIC, settings)
        app.state.event_ops = event_ops(SERVICE, app.state.db, ops_audit, app.state.outbox, None)

    app = create_service_app(
        SERVICE,
        settings,
        [router, event_ops_router(SERVICE)],
        database_url=settings.database_url,
        clock=clock,
        idempotency_table=idempotency_keys,
        startup=startup,
        workers=lambda app: [app.state.relay.run],
        background=lambda app: [CatalogFreshness(app.state.view, app.state.db).run],
    )
    errors.install(app)
    return app


def app() -> FastAPI:
    """Factory for `uvicorn --factory catalog.main:app`."""
    return create_app()
