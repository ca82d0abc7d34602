"""A forwarded identity is worth one request: its service, method, path and body, once, within seconds."""

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import APIRouter, FastAPI

from servicekit.app import create_service_app
from servicekit.principal import PRINCIPAL_HEADER, PrincipalDep, sign_principal
from servicekit.settings import ServiceSettings
from servicekit.testing import principal_headers, service_client

OPS = {"kind": "ops", "subject": "ops-1"}


def build_router() -> APIRouter:
    router = APIRouter()

    @router.api_route("/api/v1/prices/{model}", methods=["GET", "PUT"])
    async def whoami(model: str, principal: PrincipalDep) -> dict:
        return {"kind": principal.kind, "subject": principal.subject}

    return router


class Service(httpx.AsyncClient):
    """A raw client of the service (no identity added), knowing its app and the secret identities are signed with."""

    def __init__(self, app: FastAPI, secret: str) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url="http://valuation")
        self.app, self.secret = app, secret


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Service]:
    settings = ServiceSettings(max_body_bytes=1024)
    app = create_service_app("valuation", settings, [build_router()], database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    async with app.router.lifespan_context(app):
        async with Service(app, settings.internal_secret) as raw:
            yield raw


def signed(secret: str, *, service: str = "valuation", method: str = "PUT", path: str = "/api/v1/prices/m1", body: bytes = b"{}", **kw: Any) -> dict[str, str]:
    from servicekit.principal import Principal

    return {PRINCIPAL_HEADER: sign_principal(Principal("ops", "ops-1"), secret, service=service, method=method, path_with_query=path, body=body, **kw)}


async def test_the_identity_is_accepted_for_the_request_it_was_signed_for(service: Service) -> None:
    response = await service.put("/api/v1/prices/m1", content=b"{}", headers=signed(service.secret))
    assert response.json() == {"kind": "ops", "subject": "ops-1"}


async def test_a_captured_identity_is_refused_a_second_time(service: Service) -> None:
    header = signed(service.secret)
    assert (await service.put("/api/v1/prices/m1", content=b"{}", headers=header)).status_code == 200
    replayed = await service.put("/api/v1/prices/m1", content=b"{}", headers=header)
    assert replayed.status_code == 401
    assert replayed.json()["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("method", "path", "body", "bound_to"),
    [
        ("GET", "/api/v1/prices/m1", b"", {"method": "PUT"}),
        ("PUT", "/api/v1/prices/m2", b"{}", {}),
        ("PUT", "/api/v1/prices/m1?force=1", b"{}", {}),
        ("PUT", "/api/v1/prices/m1", b'{"price_paise": 1}', {}),
        ("PUT", "/api/v1/prices/m1", b"{}", {"service": "coupon"}),
    ],
)
async def test_an_identity_is_refused_on_another_method_path_body_or_service(service: Service, method: str, path: str, body: bytes, bound_to: dict[str, Any]) -> None:
    response = await service.request(method, path, content=body, headers=signed(service.secret, **bound_to))
    assert response.status_code == 401


async def test_expired_long_lived_unexpiring_and_foreign_identities_are_401_not_500(service: Service) -> None:
    claims = {"kind": "ops", "subject": "ops-1", "iss": "smartupgrade-gateway", "aud": "smartupgrade-service:valuation"}
    now = int(time.time())
    cases = {
        "expired": signed(service.secret, now=now - 60),
        "ten years": signed(service.secret, lifetime_seconds=10 * 365 * 86400),
        "no expiry": {PRINCIPAL_HEADER: jwt.encode(claims, service.secret, algorithm="HS256")},
        "old committed default secret": signed("dev-internal-secret-change-me-not-for-production"),
        "garbage": {PRINCIPAL_HEADER: "not-a-token"},
    }
    for name, header in cases.items():
        response = await service.put("/api/v1/prices/m1", content=b"{}", headers=header)
        assert response.status_code == 401, name
        assert response.headers["content-type"] == "application/problem+json", name


async def test_the_test_client_signs_each_request_as_the_gateway_would(service: Service) -> None:
    async with service_client(service.app, "http://valuation") as client:
        for _ in range(3):  # a fresh, single-use identity each time
            response = await client.get("/api/v1/prices/m1", headers=principal_headers("customer", "acc-9"))
            assert response.json() == {"kind": "customer", "subject": "acc-9"}


async def test_a_body_past_the_limit_is_413_whether_declared_or_streamed(service: Service) -> None:
    declared = await service.put("/api/v1/prices/m1", content=b"x" * 2048, headers=signed(service.secret))
    assert (declared.status_code, declared.json()["code"]) == (413, "payload_too_large")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"x" * 512

    streamed = await service.put("/api/v1/prices/m1", content=chunks(), headers=signed(service.secret))
    assert streamed.status_code == 413


async def test_liveness_and_readiness_are_separate(service: Service) -> None:
    assert (await service.get("/health/live")).json()["status"] == "ok"
    ready = (await service.get("/health/ready")).json()
    assert ready["status"] == "ok" and ready["database"] == "ok" and ready["read_models"] == {}
