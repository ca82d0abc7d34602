"""The settings the artifacts give each process are that process's settings, production ones, and enough:
every container of compose and Kubernetes, resolved as its orchestrator would, starts under ENV=production."""

import json
import os
import secrets

import pytest

from launcher.stack import SERVICES
from servicekit.environment import Environment
from tests.deploy.artifacts import Container, all_containers, setting_names, settings_class

CONTAINERS = all_containers()
IDS = [container.label for container in CONTAINERS]

# What production needs set, beyond a default: docs/security.md "what production refuses" (secrets, a
# PostgreSQL URL, the account service's JWKS and issuer, RS/ES algorithms, the real partners) and what
# only works on one machine (addresses on the loopback interface, see loopback_defaults below).
REQUIRED = {
    "service": {"ENV", "INTERNAL_SECRET", "METRICS_TOKEN", "{SERVICE}_DATABASE_URL", "KAFKA_BOOTSTRAP"},
    "api": {"{SERVICE}_PORT", "RUN_WORKERS", "REDIS_URL"},
    "worker": {"RUN_WORKERS"},
    "migrate": set(),
    "gateway": {
        "ENV", "INTERNAL_SECRET", "JWKS_URL", "JWT_ISSUER", "JWT_ALGORITHMS", "PARTNERS_FILE", "REDIS_URL", "GATEWAY_PORT",
        "CATALOG_URL", "ENROLMENT_URL", "VALUATION_URL", "COUPON_URL", "CORS_ORIGINS", "TRUSTED_PROXIES",
    },
}


def required(container: Container) -> set[str]:
    names = REQUIRED[container.role] | (set() if container.role == "gateway" else REQUIRED["service"])
    if container.process == "valuation" and container.env.get("VALUATION_PRICING") == "http":
        names |= {"VALUATION_PARTNER_URL", "VALUATION_PARTNER_API_KEY"}
    return {name.format(SERVICE=container.process.upper()) for name in names}


def loopback_defaults(process: str) -> set[str]:
    """Settings whose default points at this machine: fine for `make run`, wrong in any container."""
    return {
        name for name, field in setting_names(process).items()
        if any(word in str(field.get_default(call_default_factory=True)) for word in ("127.0.0.1", "localhost", "sqlite"))
    }


def test_every_process_of_the_platform_is_deployed_by_compose_and_kubernetes() -> None:
    for where in ("compose", "k8s"):
        deployed = {(c.role, c.process) for c in CONTAINERS if c.where.startswith(where)}
        expected = {(role, service) for role in ("api", "worker", "migrate") for service in SERVICES} | {("gateway", "gateway")}
        assert deployed == expected, where


@pytest.mark.parametrize("container", CONTAINERS, ids=IDS)
def test_the_process_runs_in_production(container) -> None:
    assert container.env.get("ENV") == "production"


@pytest.mark.parametrize("container", CONTAINERS, ids=IDS)
def test_every_variable_set_for_a_process_is_one_of_its_settings(container) -> None:
    unknown = set(container.env) - set(setting_names(container.process))
    assert not unknown, f"{container.label} sets {sorted(unknown)}, which {container.process} does not read (a typo, or a setting renamed)"


@pytest.mark.parametrize("container", CONTAINERS, ids=IDS)
def test_every_setting_production_needs_is_set(container) -> None:
    missing = (required(container) | loopback_defaults(container.process)) - set(container.env)
    assert not missing, f"{container.label} leaves {sorted(missing)} to a default that does not work in production"


@pytest.mark.parametrize("container", CONTAINERS, ids=IDS)
def test_api_replicas_answer_http_only_and_workers_run_the_event_work(container) -> None:
    if container.role == "api":
        assert container.env["RUN_WORKERS"] == "false"
    if container.role == "worker":
        assert container.env["RUN_WORKERS"] == "true"


@pytest.mark.parametrize("container", CONTAINERS, ids=IDS)
def test_the_process_starts_in_production_with_these_settings(container, monkeypatch, tmp_path) -> None:
    """Its settings class accepts them: no production refusal, no parse error (JSON lists, numbers, URLs)."""
    names = setting_names(container.process)
    for variable in list(os.environ):
        if variable.upper() in {name.upper() for name in names}:
            monkeypatch.delenv(variable)
    env = dict(container.env)
    if container.process == "gateway":
        # The orchestrator mounts the real partners there; here, one partner with a proper secret.
        partners = tmp_path / "partners.json"
        partners.write_text(json.dumps([{"key_id": "pk_live_store_1", "secret": secrets.token_hex(32), "kind": "retailer", "store_id": "store-1"}]))
        env["PARTNERS_FILE"] = str(partners)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = settings_class(container.process)()
    assert settings.model_dump()["env"] is Environment.PRODUCTION
