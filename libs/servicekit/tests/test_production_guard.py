"""Every service refuses, by name, what must not run in production; no secret has a default anywhere."""

import secrets
from typing import Any

import pytest
from pydantic import Field, ValidationError

from servicekit.environment import Environment, parse_environment
from servicekit.settings import ServiceSettings

POSTGRES = "postgresql+asyncpg://svc@db.internal/svc"


class SomeService(ServiceSettings):
    database_url: str = Field("sqlite+aiosqlite:///var/some.db", validation_alias="SOME_DATABASE_URL")


def production(**changes: Any) -> dict[str, Any]:
    return {"env": "production", "internal_secret": secrets.token_urlsafe(32), "metrics_token": secrets.token_urlsafe(32), "database_url": POSTGRES} | changes


def refusal(**values: Any) -> str:
    with pytest.raises(ValidationError) as refused:
        SomeService(**values)
    return str(refused.value)


@pytest.mark.parametrize("spelling", ["production", "Production", "PROD", "prod", "production ", "\tPRODUCTION\n"])
def test_production_is_recognised_however_it_is_spelt(spelling: str) -> None:
    assert parse_environment(spelling) is Environment.PRODUCTION
    assert "SOME_DATABASE_URL" in refusal(**production(env=spelling, database_url="sqlite+aiosqlite:///x.db"))


@pytest.mark.parametrize("unknown", ["staging", "prodution", "", "yes"])
def test_an_unknown_environment_refuses_to_start(unknown: str) -> None:
    assert "is not an environment" in refusal(**production(env=unknown))


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"internal_secret": ""}, "INTERNAL_SECRET"),
        ({"internal_secret": "too-short"}, "INTERNAL_SECRET"),
        ({"internal_secret": "dev-internal-secret-change-me-not-for-production"}, "INTERNAL_SECRET"),
        ({"metrics_token": ""}, "METRICS_TOKEN"),
        ({"database_url": "sqlite+aiosqlite:///var/some.db"}, "SOME_DATABASE_URL"),
    ],
)
def test_production_refuses_each_unsafe_setting_by_name(changes: dict, named: str) -> None:
    assert named in refusal(**production(**changes))


def test_a_complete_production_configuration_starts() -> None:
    assert SomeService(**production()).env is Environment.PRODUCTION


def test_without_an_internal_secret_no_environment_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERNAL_SECRET", raising=False)
    for env in ("development", "test"):
        assert "INTERNAL_SECRET" in refusal(env=env)


def test_the_valuation_partner_key_default_is_refused_in_production() -> None:
    from valuation.config import Settings

    with pytest.raises(ValidationError, match="VALUATION_PARTNER_API_KEY"):
        Settings(**production(pricing="http"))
    assert Settings(**production(pricing="http", partner_api_key=secrets.token_urlsafe(32)))


def test_kafka_over_sasl_ssl_needs_its_credentials_and_passes_them_to_every_client() -> None:
    assert "KAFKA_SASL_USERNAME" in refusal(**production(kafka_security_protocol="SASL_SSL"))
    settings = SomeService(**production(kafka_security_protocol="SASL_SSL", kafka_sasl_username="svc", kafka_sasl_password="pw"))
    options = settings.kafka().connection()
    assert options["security_protocol"] == "SASL_SSL" and options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("svc", "pw")
    assert options["ssl_context"] is not None
    assert SomeService(**production()).kafka().connection() == {"bootstrap_servers": "127.0.0.1:19092", "security_protocol": "PLAINTEXT"}
