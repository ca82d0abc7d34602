"""Reaching a service's port is not enough to be anyone: forged, stretched and captured identities are refused."""

import importlib
import os
import socket
import time
from typing import Any

import httpx
import jwt
import pytest

from launcher.stack import Stack
from servicekit.principal import PRINCIPAL_HEADER, Principal, sign_principal

helpers = importlib.import_module("tests.e2e.helpers")
processes = importlib.import_module("tests.security.processes")

MODEL = "samsung-galaxy-a51-6gb-128gb"
PRICE_PATH = f"/api/v1/market-prices/{MODEL}"
OLD_COMMITTED_DEFAULT = "dev-internal-secret-change-me-not-for-production"


def service_url(stack: Stack, name: str) -> str:
    return f"http://127.0.0.1:{stack.service_ports[name]}"


def ops_header(secret: str, method: str = "PUT", path: str = PRICE_PATH, body: bytes = b"", service: str = "valuation", **kw: Any) -> dict[str, str]:
    token = sign_principal(Principal("ops", "ops-mallory"), secret, service=service, method=method, path_with_query=path, body=body, **kw)
    return {PRINCIPAL_HEADER: token, "content-type": "application/json"}


def market_price(api: httpx.Client) -> int | None:
    answer = api.get(PRICE_PATH, headers=helpers.bearer("ops-1", "ops"))
    return answer.json().get("price_paise") if answer.status_code == 200 else None


def test_an_ops_identity_made_up_with_the_old_committed_secret_changes_nothing(api, stack) -> None:
    before = market_price(api)
    body = b'{"price_paise": 100}'
    with httpx.Client(base_url=service_url(stack, "valuation")) as valuation:
        forged = valuation.put(PRICE_PATH, content=body, headers=ops_header(OLD_COMMITTED_DEFAULT, body=body))
        ten_years = valuation.put(PRICE_PATH, content=body, headers=ops_header(os.environ["INTERNAL_SECRET"], body=body, lifetime_seconds=10 * 365 * 86400))
        claims = {"kind": "ops", "subject": "ops-mallory", "iss": "smartupgrade-gateway", "aud": "smartupgrade-service:valuation"}
        no_expiry = valuation.put(PRICE_PATH, content=body, headers={PRINCIPAL_HEADER: jwt.encode(claims, os.environ["INTERNAL_SECRET"], algorithm="HS256")})
    for response in (forged, ten_years, no_expiry):
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert market_price(api) == before


def test_a_captured_identity_is_worth_nothing_elsewhere_or_twice(platform, stack) -> None:
    """A real header taken off the wire between gateway and valuation, replayed on other targets."""
    body = b'{"price_paise": 4200000}'
    with processes.capturing_upstream() as (sniffer_url, seen), processes.extra_gateway(platform, VALUATION_URL=sniffer_url) as gateway_url:
        sent = httpx.put(gateway_url + PRICE_PATH, content=body, headers={**helpers.bearer("ops-1", "ops"), "content-type": "application/json"})
        assert sent.status_code == 200
    captured = seen[-1]["headers"][PRINCIPAL_HEADER]
    header = {PRINCIPAL_HEADER: captured, "content-type": "application/json"}
    with httpx.Client(base_url=service_url(stack, "valuation")) as valuation, httpx.Client(base_url=service_url(stack, "coupon")) as coupon:
        elsewhere = [
            valuation.put("/api/v1/market-prices/vivo-v19-8gb-128gb", content=body, headers=header),  # another path
            valuation.put(PRICE_PATH, content=b'{"price_paise": 1}', headers=header),  # another body
            valuation.delete("/api/v1/blocklist/490154203237518", headers=header),  # another method and path
            coupon.get("/api/v1/me/coupons", headers=header),  # another service
        ]
        assert [r.status_code for r in elsewhere] == [401, 401, 401, 401]
        # On its own target it works once (the sniffer kept it from arriving), never twice.
        assert valuation.put(PRICE_PATH, content=body, headers=header).status_code == 200
        assert valuation.put(PRICE_PATH, content=body, headers=header).status_code == 401


def outward_address() -> str | None:
    """This host's address on its default route (a UDP connect sends nothing), or None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.123", 9))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def test_services_listen_only_on_loopback(stack) -> None:
    outward = outward_address()
    if outward is None:
        pytest.skip("this host has no address besides loopback")
    for name, port in [*stack.service_ports.items(), ("gateway", stack.gateway_port)]:
        with socket.socket() as probe:
            probe.settimeout(1)
            assert probe.connect_ex((outward, port)) != 0, f"{name} answers on {outward}:{port}"


def test_service_metrics_and_docs_are_closed_to_whoever_reaches_the_port(stack) -> None:
    for name in stack.service_ports:
        with httpx.Client(base_url=service_url(stack, name)) as service:
            assert service.get("/metrics").status_code == 404, name
            assert service.get("/docs").status_code == 404, name
            scraped = service.get("/metrics", headers={"authorization": f"Bearer {os.environ['METRICS_TOKEN']}"})
            assert scraped.status_code == 200 and "http_request_duration_seconds" in scraped.text, name


def test_a_service_refuses_a_huge_body_without_reading_it_all(stack) -> None:
    started = time.monotonic()
    with httpx.Client(base_url=service_url(stack, "valuation"), timeout=30) as valuation:
        response = valuation.post("/api/v1/quotes", content=b"{" + b" " * (20 * 1024 * 1024) + b"}", headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "payload_too_large"
    assert time.monotonic() - started < 10
