"""The app factory every service uses: lifespan, errors, request context, health and metrics."""

import asyncio
import functools
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Table
from starlette.responses import JSONResponse, Response

from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.http import BodyLimit, RequestContext
from servicekit.idempotency import purge_expired_keys
from servicekit.logging import configure_logging
from servicekit.principal import LIFETIME_SECONDS, PrincipalVerifier
from servicekit.problems import Problem, install_problem_handlers
from servicekit.replay import replay_guard
from servicekit.settings import ServiceSettings

log = logging.getLogger("servicekit.app")

Worker = Callable[[], Awaitable[None]]


def create_service_app(
    name: str,
    settings: ServiceSettings,
    routers: list[APIRouter],
    *,
    database_url: str,
    clock: Clock | None = None,
    idempotency_table: Table | None = None,
    startup: Callable[[FastAPI], Awaitable[None]] | None = None,
    workers: Callable[[FastAPI], list[Worker]] = lambda app: [],
) -> FastAPI:
    """A FastAPI app whose lifespan opens the database, runs `startup`, then the event workers.

    Nothing touches the database or the broker at import time. With RUN_WORKERS=false the app
    only answers HTTP, so API replicas and event workers can be scaled apart.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(name, settings.log_level)
        app.state.settings = settings
        app.state.db = Database(database_url)
        app.state.clock = clock or Clock()
        # A forwarded identity's id is remembered past its expiry (and the verifier's leeway).
        seen = replay_guard(settings.redis_url, LIFETIME_SECONDS + 10, f"svc:{name}:jti:")
        app.state.principal_verifier = PrincipalVerifier(settings.internal_secret, name, seen)
        app.state.idempotency_table = idempotency_table
        app.state.worker_tasks = {}
        app.state.read_model_feeds = {}
        if startup is not None:
            await startup(app)
        if settings.run_workers:
            chosen = workers(app)
            if idempotency_table is not None:
                chosen.append(functools.partial(purge_expired_keys, app.state.db, idempotency_table, app.state.clock))
            for worker in chosen:
                label = getattr(worker, "__qualname__", None) or getattr(getattr(worker, "func", None), "__qualname__", "worker")
                app.state.worker_tasks[label] = asyncio.create_task(_supervised(worker))
                # A consumer feeding read models (it has `caught_up`) keeps the service unready until it has.
                owner = getattr(worker, "__self__", None)
                if hasattr(owner, "caught_up"):
                    app.state.read_model_feeds[label] = owner
        try:
            yield
        finally:
            for task in app.state.worker_tasks.values():
                task.cancel()
            await asyncio.gather(*app.state.worker_tasks.values(), return_exceptions=True)
            await seen.close()
            await app.state.db.dispose()

    # No /docs or /redoc on a service: people read the gateway's merged docs. /openapi.json stays
    # (the gateway merges it; it holds nothing the public document does not).
    app = FastAPI(title=f"Smart Upgrade & Exchange — {name}", version="1.0.0", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.service_name = name
    app.state.service_settings = settings
    install_problem_handlers(app)
    for router in routers:
        app.include_router(router)

    @app.get("/health/live", include_in_schema=False)
    async def live() -> Response:
        """The process answers: restarting it would not help (a liveness probe)."""
        return JSONResponse({"service": name, "status": "ok"})

    @app.get("/health/ready", include_in_schema=False)
    @app.get("/health", include_in_schema=False)
    async def ready() -> Response:
        """Send traffic here: the database answers, the workers run and the read models have caught up."""
        db_ok = await app.state.db.ping()
        workers_state = {n: ("stopped" if t.done() else "running") for n, t in app.state.worker_tasks.items()}
        read_models = {label: ("caught_up" if owner.caught_up else "catching_up") for label, owner in app.state.read_model_feeds.items()}
        healthy = db_ok and all(state == "running" for state in workers_state.values()) and all(v == "caught_up" for v in read_models.values())
        body = {
            "service": name, "status": "ok" if healthy else "degraded", "database": "ok" if db_ok else "down",
            "workers": workers_state, "read_models": read_models,
        }
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        # Only for the scraper: `Authorization: Bearer <METRICS_TOKEN>`; without a token set, not served.
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not settings.metrics_token or not hmac.compare_digest(sent.encode(), settings.metrics_token.encode()):
            raise Problem(404, "not_found", "Not found.")
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestContext, service=name)
    return app


async def _supervised(worker: Worker) -> None:
    """Keep a background worker alive: log a crash and start it again after a pause."""
    while True:
        try:
            await worker()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("worker crashed; restarting", extra={"worker": getattr(worker, "__qualname__", repr(worker))})
            await asyncio.sleep(1.0)


async def run_workers_forever(app: FastAPI) -> None:
    """Run only the app's event workers (relay, consumers, sweeps), for a worker-only deployment."""
    async with app.router.lifespan_context(app):
        await asyncio.Event().wait()
