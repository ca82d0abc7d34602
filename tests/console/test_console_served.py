"""The console as the gateway serves it: every file from memory under a self-only CSP, nothing from elsewhere,
and the development sign-in, which exists only where the gateway is the local dev issuer."""

import re
import secrets
from pathlib import Path

import httpx
import pytest

from gateway.app import Gateway
from gateway.config import Settings
from gateway.console.serving import STATIC

TOKEN = "/api/v1/dev/token"


def client(settings: Settings | None = None, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=Gateway(settings or Settings()), client=(peer, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def production(tmp_path: Path) -> Settings:
    partners = tmp_path / "partners.json"
    partners.write_text(f'[{{"key_id": "pk_live_1", "secret": "{secrets.token_urlsafe(32)}", "kind": "retailer", "store_id": "s-1"}}]')
    return Settings(
        env="production", internal_secret=secrets.token_urlsafe(32), jwks_url="http://127.0.0.1:1/jwks", jwt_algorithms=["RS256"],
        jwt_issuer="https://accounts.example.test/", partners_file=partners,
    )


async def test_the_console_page_loads_its_modules_from_itself_only() -> None:
    async with client() as browser:
        page = await browser.get("/console/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        policy = page.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy and "connect-src 'self'" in policy
        assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        script = await browser.get("/console/js/app.js")
        assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
        assert (await browser.get("/console", follow_redirects=False)).headers["location"] == "/console/"


def test_every_module_the_console_imports_is_there_and_nothing_comes_from_elsewhere() -> None:
    for path in STATIC.rglob("*"):
        if path.suffix in (".js", ".html", ".css"):
            text = path.read_text().replace("http://www.w3.org/2000/svg", "")  # a namespace name, never fetched
            assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text, re.I), f"{path.name} refers to another origin"
            for imported in re.findall(r'from "(\.[^"]+)"', text):
                assert (path.parent / imported).resolve().is_file(), f"{path.name} imports a missing {imported}"


async def test_a_file_not_in_the_console_is_a_problem_not_a_page() -> None:
    async with client() as browser:
        missing = await browser.get("/console/js/../../../gateway/config.py")
        assert missing.status_code == 404 and missing.json()["code"] == "not_found"
        posted = await browser.post("/console/index.html")
        assert posted.status_code == 405 and posted.headers["content-type"] == "application/problem+json"


async def test_an_unchanged_file_is_not_sent_again() -> None:
    async with client() as browser:
        first = await browser.get("/console/console.css")
        again = await browser.get("/console/console.css", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304 and again.content == b""


@pytest.mark.parametrize("role", ["customer", "ops"])
async def test_the_dev_sign_in_mints_a_token_the_gateway_accepts(role: str) -> None:
    gateway = Gateway()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway, client=("127.0.0.1", 50000)), base_url="http://testserver") as browser:
        answer = await browser.post(TOKEN, json={"account_id": "acc-console-1", "role": role})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    principal = await gateway.auth.customer(answer.json()["access_token"])
    assert (principal.kind, principal.subject) == (role, "acc-console-1")


async def test_a_bad_sign_in_is_a_validation_problem() -> None:
    async with client() as browser:
        answer = await browser.post(TOKEN, json={"account_id": "", "role": "admin"})
        assert answer.status_code == 422
        assert {error["field"] for error in answer.json()["errors"]} == {"account_id", "role"}
        assert (await browser.post(TOKEN, content=b"not json")).status_code == 422
        assert (await browser.get(TOKEN)).status_code == 405


async def test_the_dev_sign_in_does_not_exist_in_production(tmp_path: Path) -> None:
    async with client(production(tmp_path)) as browser:
        answer = await browser.post(TOKEN, json={"account_id": "acc-console-1", "role": "ops"})
        assert answer.status_code == 404 and answer.json()["code"] == "not_found"
        assert (await browser.get("/console/")).status_code == 200  # the console itself is served: sign in with a token


async def test_the_dev_sign_in_answers_only_this_machine_directly() -> None:
    async with client(peer="192.0.2.10") as remote:
        assert (await remote.post(TOKEN, json={"account_id": "acc-x", "role": "ops"})).status_code == 404
    async with client() as proxied:
        relayed = await proxied.post(TOKEN, json={"account_id": "acc-x", "role": "ops"}, headers={"X-Forwarded-For": "192.0.2.10"})
        assert relayed.status_code == 404


async def test_a_gateway_that_takes_tokens_from_a_jwks_mints_none() -> None:
    async with client(Settings(jwks_url="http://127.0.0.1:1/jwks", jwt_algorithms=["RS256"])) as browser:
        assert (await browser.post(TOKEN, json={"account_id": "acc-x"})).status_code == 404

