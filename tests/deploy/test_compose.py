"""deploy/compose: valid against the Compose Specification, every variable documented, the platform's
containers locked down, each service migrated before its API and worker start, only the gateway published."""

import json
import re
from importlib import resources

import jsonschema
import pytest
import yaml

from gateway.partners import load_partners, refuse_dev_partners
from launcher.stack import SERVICES
from servicekit.environment import Environment
from servicekit.settings import Refused, check_secret
from tests.deploy.artifacts import (
    COMPOSE_DIR,
    ENV_EXAMPLE,
    PLACEHOLDER,
    compose_containers,
    compose_text,
    compose_variables,
    example_variables,
    load_compose,
    read_env_file,
)

# The Compose Specification's JSON schema, as vendored by check-jsonschema (no network).
SCHEMA = json.loads((resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text())


def test_the_compose_file_follows_the_compose_specification_as_written_and_as_interpolated() -> None:
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for document in (yaml.safe_load(compose_text()), load_compose()):
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_mistake() -> None:
    document = load_compose()
    document["services"]["gateway"]["depends_on"]["redis"]["condition"] = "service_started_eventually"
    assert not jsonschema.Draft202012Validator(SCHEMA).is_valid(document)


def test_every_variable_the_compose_file_reads_is_documented_in_env_example_and_nothing_else_is() -> None:
    assert compose_variables(compose_text()) == set(read_env_file(ENV_EXAMPLE))


def test_every_secret_is_required_so_compose_refuses_to_start_without_it() -> None:
    secrets = {name for name, value in read_env_file(ENV_EXAMPLE).items() if value == PLACEHOLDER}
    assert {"INTERNAL_SECRET", "METRICS_TOKEN", "POSTGRES_PASSWORD", "REDIS_PASSWORD", "VALUATION_PARTNER_API_KEY"} <= secrets
    for name in secrets:
        with pytest.raises(KeyError, match=name):
            load_compose({k: v for k, v in example_variables().items() if k != name})


def test_the_example_placeholders_are_refused_in_production_so_a_verbatim_copy_cannot_run() -> None:
    for name, value in read_env_file(ENV_EXAMPLE).items():
        if value == PLACEHOLDER:
            with pytest.raises(Refused):
                check_secret(name, value, Environment.PRODUCTION)
    example = COMPOSE_DIR / "partners.example.json"
    with pytest.raises(Refused, match="shorter than 32"):
        refuse_dev_partners(example, load_partners(example))


def test_real_settings_and_secrets_are_gitignored() -> None:
    ignored = (COMPOSE_DIR.parents[1] / ".gitignore").read_text().splitlines()
    assert "deploy/compose/.env" in ignored and "deploy/compose/secrets/" in ignored
    assert load_compose()["secrets"]["partners"]["file"] == "./secrets/partners.json"


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_runs_a_migration_then_an_api_and_a_worker_that_wait_for_it(service) -> None:
    services = load_compose()["services"]
    migrate, api, worker = services[f"{service}-migrate"], services[f"{service}-api"], services[f"{service}-worker"]
    assert (migrate["command"], api["command"], worker["command"]) == (["migrate", service], ["api", service], ["worker", service])
    assert migrate["restart"] == "no", "a one-shot"
    for waiting in (api, worker):
        assert waiting["depends_on"][f"{service}-migrate"] == {"condition": "service_completed_successfully"}
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert worker["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert api["environment"]["RUN_WORKERS"] == "false" and worker["environment"]["RUN_WORKERS"] == "true"


def test_every_long_running_container_has_a_healthcheck() -> None:
    for name, service in load_compose()["services"].items():
        if service.get("restart") == "no":
            continue
        test = service.get("healthcheck", {}).get("test")
        assert test and not service["healthcheck"].get("disable"), f"{name} has no healthcheck"


def test_the_platform_healthchecks_ask_the_process_they_run() -> None:
    for container in compose_containers():
        if container.role == "migrate":
            continue
        test = container.spec["healthcheck"]["test"]
        assert test[0] == "CMD" and test[2] == "/opt/smartupgrade/image/healthcheck.py", container.label
        expected = ["gateway"] if container.role == "gateway" else [container.role, container.process]
        assert test[3:] == expected, container.label


def test_kafka_runs_kraft_on_one_node_postgres_has_a_database_per_service_and_redis_a_password() -> None:
    services = load_compose()["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert set(kafka["environment"]["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert kafka["environment"]["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "the relays create topics with our partition count"
    assert int(kafka["environment"]["KAFKA_LOG_RETENTION_HOURS"]) >= 7 * 24, "outboxes republish up to 7 days back"
    postgres = services["postgres"]
    assert postgres["image"].startswith("postgres:")
    assert "./postgres/init-databases.sh:/docker-entrypoint-initdb.d/10-init-databases.sh:ro" in postgres["volumes"]
    script = (COMPOSE_DIR / "postgres/init-databases.sh").read_text()
    loop = re.search(r"for service in ([\w ]+); do", script)
    assert loop is not None and loop.group(1).split() == list(SERVICES)
    for service in SERVICES:
        assert f"{service.upper()}_DB_PASSWORD" in postgres["environment"]
        url = services[f"{service}-api"]["environment"][f"{service.upper()}_DATABASE_URL"]
        assert re.fullmatch(rf"postgresql://{service}:[0-9a-f]{{64}}@postgres:5432/{service}", url), "its own login and database"
    assert "--requirepass" in " ".join(services["redis"]["command"])


def test_only_the_gateway_publishes_a_port() -> None:
    published = {name for name, service in load_compose()["services"].items() if service.get("ports")}
    assert published == {"gateway"}


def test_the_gateway_reaches_each_service_api_on_the_port_the_service_listens_on() -> None:
    services = load_compose()["services"]
    gateway = services["gateway"]["environment"]
    for service in SERVICES:
        api = services[f"{service}-api"]["environment"]
        assert gateway[f"{service.upper()}_URL"] == f"http://{service}-api:{api[f'{service.upper()}_PORT']}"
        assert f"{service}-api" in services["gateway"]["depends_on"]


def test_the_platform_containers_run_non_root_read_only_without_capabilities() -> None:
    for container in compose_containers():
        spec = container.spec
        assert spec["user"] == "10001:10001" and spec["read_only"] is True and spec["tmpfs"] == ["/tmp"], container.label
        assert spec["cap_drop"] == ["ALL"] and "no-new-privileges:true" in spec["security_opt"], container.label
    assert load_compose()["services"]["gateway"]["secrets"] == [{"source": "partners", "target": "partners.json"}]
