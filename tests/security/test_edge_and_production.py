"""The gateway's edge against a real attacker's tricks, and processes that refuse to start unsafe in production."""

import importlib
import itertools
import json
import secrets
import subprocess
import sys
import time

import httpx

from eventing.testing import free_port
from launcher.stack import REPO

helpers = importlib.import_module("tests.e2e.helpers")
processes = importlib.import_module("tests.security.processes")

MODELS = "/api/v1/catalog/models"


def test_a_new_x_forwarded_for_per_request_does_not_get_past_the_limit(platform) -> None:
    with processes.extra_gateway(platform, RATE_ANONYMOUS="0.01/20") as gateway_url, httpx.Client(base_url=gateway_url) as client:
        statuses = [client.get(MODELS, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code for i in range(80)]
    assert statuses.count(200) == 20
    assert statuses.count(429) == 60


def test_failed_sign_ins_from_one_address_are_limited(platform) -> None:
    with processes.extra_gateway(platform, RATE_AUTH_FAILURE="0.01/10") as gateway_url, httpx.Client(base_url=gateway_url) as client:
        guesses = [client.get("/api/v1/me/plans", headers={"Authorization": f"Bearer guess-{i}"}).status_code for i in range(30)]
        signed_guesses = [client.get(MODELS, headers={"X-Api-Key": "pk_retail_mihome_koramangala", "X-Signature": f"t={int(time.time())},v1={i:064x}"}).status_code
                          for i in range(5)]
    assert guesses[:10] == [401] * 10
    assert set(guesses[10:]) == {429}
    assert set(signed_guesses) == {429}


def test_two_authorization_headers_are_refused(api) -> None:
    good, other = helpers.bearer("acc-sec-1")["Authorization"], helpers.bearer("acc-sec-2")["Authorization"]
    response = api.get("/api/v1/me/plans", headers=[("Authorization", other), ("Authorization", good)])
    assert response.status_code == 400
    assert response.json()["code"] == "duplicate_credentials"


def test_a_malformed_traceparent_is_not_echoed(api) -> None:
    response = api.get(MODELS, headers={"traceparent": "00-<script>-zz-01"})
    assert response.status_code == 200
    assert response.headers["traceparent"].startswith("00-") and "<script>" not in response.headers["traceparent"]
    valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    assert api.get(MODELS, headers={"traceparent": valid}).headers["traceparent"] == valid


def start(module: str, env: dict) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--port", str(free_port()), module]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=REPO)


def refused(process: subprocess.Popen) -> str:
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the process started instead of refusing") from None
    assert process.returncode != 0
    return output.decode()


def test_every_process_refuses_to_run_production_on_development_settings(platform) -> None:
    """ENV spelt several ways; the platform's own settings are development ones (SQLite, the dev issuer, the dev partners)."""
    spellings = itertools.cycle(["Production", "PROD", "production ", "prod", "PRODUCTION"])
    env = platform.stack.env() | {"INTERNAL_SECRET": secrets.token_urlsafe(32), "METRICS_TOKEN": secrets.token_urlsafe(32)}
    started = {name: start(f"{name}.main:app", env | {"ENV": next(spellings)}) for name in platform.stack.service_ports}
    started["gateway"] = start("gateway.app:app", env | {"ENV": next(spellings)})
    for name, process in started.items():
        named = "JWKS_URL" if name == "gateway" else f"{name.upper()}_DATABASE_URL"
        assert named in refused(process), name


def test_a_production_gateway_refuses_the_dev_partners_even_with_real_secrets_and_rs256(platform, tmp_path) -> None:
    real = {"ENV": "production", "INTERNAL_SECRET": secrets.token_urlsafe(32), "JWT_ALGORITHMS": '["RS256"]', "JWT_ISSUER": "https://accounts.example.test/",
            "JWKS_URL": "http://127.0.0.1:1/jwks"}
    dev_file = platform.stack.env() | real | {"PARTNERS_FILE": str(REPO / "deploy/local/partners.json")}
    assert "PARTNERS_FILE" in refused(start("gateway.app:app", dev_file))
    copied = tmp_path / "partners.json"
    dev_partner = json.loads((REPO / "deploy/local/partners.json").read_text())[0]
    copied.write_text(json.dumps([dev_partner | {"key_id": "pk_live_copied"}]))
    assert "pk_live_copied" in refused(start("gateway.app:app", platform.stack.env() | real | {"PARTNERS_FILE": str(copied)}))
