"""Test support: the databases integration tests run against.

SQLite always; PostgreSQL when TEST_POSTGRES_URL is set (CI sets it, and REQUIRE_POSTGRES=1 turns a
missing URL into a failure rather than a skip).
"""

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from fastapi import FastAPI

POSTGRES_ENV = "TEST_POSTGRES_URL"


def backends() -> list:
    """pytest params for the `backend` fixture: sqlite, and postgresql when configured."""
    postgres_url = os.environ.get(POSTGRES_ENV)
    if postgres_url or os.environ.get("REQUIRE_POSTGRES") == "1":
        return ["sqlite", "postgresql"]
    return ["sqlite", pytest.param("postgresql", marks=pytest.mark.skip(reason=f"{POSTGRES_ENV} not set"))]


@asynccontextmanager
async def scratch_database(backend: str, directory: Path) -> AsyncIterator[str]:
    """An empty database of the given kind, dropped afterwards; yields its URL."""
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / f'{uuid.uuid4().hex}.db'}"
        return
    import asyncpg

    admin_url = os.environ.get(POSTGRES_ENV)
    if not admin_url:
        raise RuntimeError(f"{POSTGRES_ENV} must be set (REQUIRE_POSTGRES=1)")
    plain = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    name = f"t_{uuid.uuid4().hex[:16]}"
    admin = await asyncpg.connect(plain)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base, _, _ = plain.rpartition("/")
    try:
        yield f"{base}/{name}".replace("postgresql://", "postgresql+asyncpg://", 1)
    finally:
        admin = await asyncpg.connect(plain)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


TEST_PRINCIPAL_HEADER = "x-test-principal"


def principal_headers(kind: str, subject: str | None = None, partner_kind: str | None = None, store_id: str | None = None) -> dict[str, str]:
    """Headers naming who a test request is from; `service_client` turns them into the gateway's signed header.

    The signed header is bound to one request (service, method, path, body) and used once, so it can
    only be made when the request is: a client from `service_client` does that as each request leaves.
    """
    claims = {"kind": kind, "subject": subject, "partner_kind": partner_kind, "store_id": store_id}
    return {TEST_PRINCIPAL_HEADER: orjson.dumps({k: v for k, v in claims.items() if v is not None}).decode()}


def bind_principal(app: Any) -> Callable[[httpx.Request], Awaitable[None]]:
    """An httpx request hook signing the named test principal for exactly this request, as the gateway does."""
    from servicekit.principal import PRINCIPAL_HEADER, Principal, sign_principal

    async def hook(request: httpx.Request) -> None:
        named = request.headers.pop(TEST_PRINCIPAL_HEADER, None)
        if named is None:
            return
        principal = Principal(**orjson.loads(named))
        target = request.url.raw_path.decode("latin-1")
        request.headers[PRINCIPAL_HEADER] = sign_principal(
            principal, app.state.service_settings.internal_secret, service=app.state.service_name,
            method=request.method, path_with_query=target, body=request.content,
        )

    return hook


class ServiceClient(httpx.AsyncClient):
    """An in-process client for a service app whose requests arrive as the gateway forwards them; `app` is that app."""

    def __init__(self, app: FastAPI, base_url: str = "http://service", **kwargs: Any) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url=base_url, event_hooks={"request": [bind_principal(app)]}, **kwargs)
        self.app = app


def service_client(app: FastAPI, base_url: str = "http://service", **kwargs: Any) -> ServiceClient:
    """An in-process client for a service app whose requests arrive as the gateway forwards them."""
    return ServiceClient(app, base_url, **kwargs)


@asynccontextmanager
async def migrated_database(backend: str, directory: Path, migrations_dir: Path) -> AsyncIterator[str]:
    """A scratch database brought to a service's newest schema by its own migrations; yields its URL."""
    import asyncio

    from servicekit.migrations import upgrade

    async with scratch_database(backend, directory) as url:
        await asyncio.to_thread(upgrade, migrations_dir, url)  # alembic runs its own event loop
        yield url
