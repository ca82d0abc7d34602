"""When Redis cannot be asked, a replay check fails closed (503), quickly, and Redis is asked again a second later."""

import time

import pytest
from fastapi import APIRouter

from eventing.testing import free_port
from servicekit.app import create_service_app
from servicekit.principal import PrincipalDep
from servicekit.replay import RedisReplayGuard
from servicekit.settings import ServiceSettings
from servicekit.sharedstate import SharedStateUnavailable
from servicekit.testing import principal_headers, service_client


def nobody_listening() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


async def test_a_replay_check_without_redis_refuses_rather_than_accepts() -> None:
    guard = RedisReplayGuard(nobody_listening(), 25, "t:")
    try:
        with pytest.raises(SharedStateUnavailable):
            await guard.first_use("a-value")
        started = time.monotonic()
        with pytest.raises(SharedStateUnavailable):  # within the pause Redis is not asked again
            await guard.first_use("another-value")
        assert time.monotonic() - started < 0.05
    finally:
        await guard.close()


async def test_a_service_answers_503_to_a_signed_request_while_its_redis_is_away(tmp_path) -> None:
    router = APIRouter()

    @router.get("/api/v1/whoami")
    async def whoami(principal: PrincipalDep) -> dict:
        return {"subject": principal.subject}

    settings = ServiceSettings(redis_url=nobody_listening())
    app = create_service_app("coupon", settings, [router], database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    async with app.router.lifespan_context(app), service_client(app, "http://coupon") as client:
        response = await client.get("/api/v1/whoami", headers=principal_headers("customer", "acc-1"))
        assert response.status_code == 503
        assert response.json()["code"] == "upstream_unavailable"
        assert (await client.get("/health/live")).status_code == 200  # nothing else is affected
