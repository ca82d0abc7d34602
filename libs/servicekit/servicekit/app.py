"""The app factory every service uses: lifespan, errors, request context, health and metrics."""

import asyncio
import functools
import hmac
import logging
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol, runtime_checkable

from fastapi import APIRouter, FastAPI, Request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import Table
from starlette.responses import JSONResponse, Response

from servicekit.clock import Clock
from servicekit.db import Database
from servicekit.http import BodyLimit, RequestContext
from servicekit.idempotency import purge_expired_keys
from servicekit.logging import configure_logging
from servicekit.openapi import DocumentedApp
from servicekit.principal import LIFETIME_SECONDS, PrincipalVerifier
from servicekit.problems import Problem, install_problem_handlers
from servicekit.replay import replay_guard
from servicekit.settings import ServiceSettings
from servicekit.tracing import configure_tracing, flush_tracing, instrument_app, instrument_engine
from servicekit.worker_metrics import serve_worker_metrics

log = logging.getLogger("servicekit.app")

Worker = Callable[[], Awaitable[None]]
# On shutdown a worker whose owner has `stop()` (the relay, the consumers) is asked to finish what it
# holds; one still running after this is cancelled (below the orchestrators' 30 s grace period).
STOP_GRACE_SECONDS = 15.0


def create_service_app(
    name: str,
    settings: ServiceSettings,
    routers: list[APIRouter],
    *,
    database_url: str,
    clock: Clock | None = None,
    idempotency_table: Table | None = None,
    startup: Callable[[FastAPI], Awaitable[None]] | None = None,
    shutdown: Callable[[FastAPI], Awaitable[None]] | None = None,
    workers: Callable[[FastAPI], list[Worker]] = lambda app: [],
    background: Callable[[FastAPI], list[Worker]] = lambda app: [],
) -> FastAPI:
    """A FastAPI app whose lifespan opens the database, runs `startup`, then the event workers.

    Nothing touches the database or the broker at import time. With RUN_WORKERS=false the app
    only answers HTTP, so API replicas and event workers can be scaled apart. `background` tasks
    run in every process, API replicas included (the catalog's freshness probe). `shutdown` closes
    what `startup` opened, once the workers have stopped.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(name, settings.log_level)
        app.state.settings = settings
        app.state.db = Database(database_url)
        instrument_engine(app.state.db.writer)
        instrument_engine(app.state.db.reader)
        app.state.clock = clock or Clock()
        # A forwarded identity's id is remembered past its expiry (and the verifier's leeway).
        seen = replay_guard(settings.redis_url, LIFETIME_SECONDS + 10, f"{settings.redis_prefix}{name}:jti:")
        app.state.principal_verifier = PrincipalVerifier(settings.internal_secret, name, seen)
        app.state.idempotency_table = idempotency_table
        app.state.worker_tasks = {}
        app.state.read_model_feeds = {}
        stoppable: dict[asyncio.Task, Stoppable] = {}
        app.state.background_tasks = {}
        stopping = asyncio.Event()
        if startup is not None:
            await startup(app)
        for job in background(app):
            app.state.background_tasks[_label(job)] = asyncio.create_task(_supervised(job, stopping))
        if settings.run_workers:
            chosen = workers(app)
            if idempotency_table is not None:
                chosen.append(functools.partial(purge_expired_keys, app.state.db, idempotency_table, app.state.clock))
            for worker in chosen:
                label = _label(worker)
                running = app.state.worker_tasks[label] = asyncio.create_task(_supervised(worker, stopping))
                owner = getattr(worker, "__self__", None)
                if isinstance(owner, Stoppable):
                    stoppable[running] = owner
                # A consumer feeding read models (it has `caught_up`) keeps the service unready until it has.
                if hasattr(owner, "caught_up"):
                    app.state.read_model_feeds[label] = owner
        try:
            yield
        finally:
            stopping.set()
            await _stop_workers(stoppable, list(app.state.worker_tasks.values()) + list(app.state.background_tasks.values()))
            if shutdown is not None:
                await shutdown(app)
            await seen.close()
            await app.state.db.dispose()
            await asyncio.to_thread(flush_tracing)

    # No /docs or /redoc on a service: people read the gateway's merged docs. /openapi.json stays
    # (the gateway merges it; it holds nothing the public document does not).
    app = DocumentedApp(title=f"Smart Upgrade & Exchange — {name}", version="1.0.0", lifespan=lifespan, docs_url=None, redoc_url=None)
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
    # Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (docs/observability.md). Set up here, not in the lifespan:
    # middleware cannot be added once the app runs. Outermost, so the span covers the request id and the body limit.
    if configure_tracing(name):
        instrument_app(app)
    return app


def _label(worker: Worker) -> str:
    return str(getattr(worker, "__qualname__", None) or getattr(getattr(worker, "func", None), "__qualname__", "worker"))


@runtime_checkable
class Stoppable(Protocol):
    """A worker that can be asked to finish what it holds and return (a consumer, a relay)."""

    def stop(self) -> None: ...


async def _stop_workers(stoppable: dict[asyncio.Task, Stoppable], tasks: list[asyncio.Task]) -> None:
    """Ask the relay and consumers to finish what they hold, give them STOP_GRACE_SECONDS, cancel the rest.

    A consumer completes and commits the event in hand and leaves its group; a relay publishes and
    marks the batch in hand. Sweeps are cancelled at once: each works in one transaction, which rolls back.
    """
    for owner in stoppable.values():
        owner.stop()
    for task in tasks:
        if task not in stoppable:
            task.cancel()
    if stoppable:
        _, late = await asyncio.wait(list(stoppable), timeout=STOP_GRACE_SECONDS)
        for task in late:
            log.warning("worker did not stop within %s s; cancelling it", STOP_GRACE_SECONDS)
            task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _supervised(worker: Worker, stopping: asyncio.Event) -> None:
    """Keep a background worker alive: log a crash and start it again after a pause (not while stopping)."""
    while True:
        try:
            await worker()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            if stopping.is_set():
                log.exception("worker failed while stopping", extra={"worker": _label(worker)})
                return
            log.exception("worker crashed; restarting", extra={"worker": _label(worker)})
            await asyncio.sleep(1.0)


async def run_workers_forever(app: FastAPI) -> None:
    """Run only the app's event workers (relay, consumers, sweeps), for a worker-only deployment.

    SIGTERM or SIGINT ends it cleanly: consumers finish and commit the event in hand and leave their
    group, the relay finishes its batch, clients and the database pool are closed, and it returns
    (the process exits 0). Without this a worker would die at SIGTERM with none of that done.
    """
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    settings: ServiceSettings = app.state.service_settings
    try:
        async with app.router.lifespan_context(app):
            # Scraped apart from the API replicas: lag and handler figures live in this process.
            scrapes = await serve_worker_metrics(settings.worker_metrics_port, settings.metrics_token)
            log.info("workers running")
            await stopping.wait()
            log.info("stopping workers")
            if scrapes is not None:
                scrapes.close()
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    log.info("workers stopped")
