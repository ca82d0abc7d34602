"""Test support: the databases integration tests run against.

SQLite always; PostgreSQL when TEST_POSTGRES_URL is set (CI sets it, and REQUIRE_POSTGRES=1 turns a
missing URL into a failure rather than a skip).
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

POSTGRES_ENV = "TEST_POSTGRES_URL"
TEST_TOKEN_SECONDS = 3600


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


def principal_headers(kind: str, subject: str | None = None, partner_kind: str | None = None, store_id: str | None = None) -> dict[str, str]:
    """Headers that make a request arrive as the gateway would forward it for this principal.

    Signed for an hour rather than the gateway's 60 s, so headers built once per module outlive a long suite.
    """
    from servicekit.principal import Principal, sign_principal
    from servicekit.settings import DEV_INTERNAL_SECRET

    return {"x-principal": sign_principal(Principal(kind, subject, partner_kind, store_id), DEV_INTERNAL_SECRET, lifetime_seconds=TEST_TOKEN_SECONDS)}  # type: ignore[arg-type]


@asynccontextmanager
async def migrated_database(backend: str, directory: Path, migrations_dir: Path) -> AsyncIterator[str]:
    """A scratch database brought to a service's newest schema by its own migrations; yields its URL."""
    import asyncio

    from servicekit.migrations import upgrade

    async with scratch_database(backend, directory) as url:
        await asyncio.to_thread(upgrade, migrations_dir, url)  # alembic runs its own event loop
        yield url
