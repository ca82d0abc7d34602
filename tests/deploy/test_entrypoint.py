"""The image's entrypoint runs the commands `make run` starts; its healthcheck asks what each process depends on."""

import importlib.util
import socket
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import ModuleType

import pytest

from eventing.testing import free_port
from launcher.stack import SERVICES, Stack
from tests.deploy.artifacts import DEPLOY


def load(name: str) -> ModuleType:
    if name not in sys.modules:
        # The healthcheck imports the entrypoint as its neighbour, as it does in the image.
        sys.path.insert(0, str(DEPLOY / "image"))
        try:
            spec = importlib.util.spec_from_file_location(name, DEPLOY / "image" / f"{name}.py")
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(DEPLOY / "image"))
    return sys.modules[name]


entrypoint = load("entrypoint")
healthcheck = load("healthcheck")


def without_host_and_port(command: list[str]) -> list[str]:
    """A uvicorn command line less what differs on purpose between a container and `make run`."""
    kept, skip = [], False
    for word in command[1:]:
        if skip:
            skip = False
        elif word in ("--host", "--port", "--timeout-graceful-shutdown"):
            skip = True
        else:
            kept.append(word)
    return kept


@pytest.mark.parametrize("service", SERVICES)
def test_an_api_container_runs_the_command_make_run_starts_for_the_service(service) -> None:
    launched = Stack().commands()[service]
    command = entrypoint.command(["api", service], {})
    assert without_host_and_port(command) == without_host_and_port(launched)
    assert command[command.index("--host") + 1] == "0.0.0.0", "reachable from other containers and pods"


def test_the_gateway_container_runs_the_command_make_run_starts_and_believes_no_forwarding_header() -> None:
    command = entrypoint.command(["gateway"], {})
    assert without_host_and_port(command) == without_host_and_port(Stack().commands()["gateway"])
    assert "--no-proxy-headers" in command


@pytest.mark.parametrize("service", SERVICES)
def test_worker_and_migration_containers_run_the_service_modules(service) -> None:
    assert entrypoint.command(["worker", service], {})[1:] == ["-m", f"{service}.worker"]
    assert entrypoint.command(["migrate", service], {})[1:] == ["-m", f"{service}.db.migrate"]
    for module in (f"{service}.worker", f"{service}.db.migrate", f"{service}.main"):
        assert importlib.util.find_spec(module) is not None, module


def test_the_port_is_the_process_setting_from_the_environment_or_its_default() -> None:
    def port(command: list[str]) -> str:
        return command[command.index("--port") + 1]

    assert port(entrypoint.command(["api", "catalog"], {"CATALOG_PORT": "8080"})) == "8080"
    assert port(entrypoint.command(["api", "coupon"], {})) == "8104"
    assert port(entrypoint.command(["gateway"], {"GATEWAY_PORT": "9000"})) == "9000"
    assert port(entrypoint.command(["gateway"], {})) == "8000"


@pytest.mark.parametrize("args", [[], ["api"], ["api", "billing"], ["shell"], ["gateway", "catalog"], ["worker", "gateway"]])
def test_anything_but_a_role_is_refused_with_the_usage(args) -> None:
    with pytest.raises(SystemExit, match="usage: api SERVICE"):
        entrypoint.command(args, {})


class Health(BaseHTTPRequestHandler):
    status = 200

    def do_GET(self) -> None:
        self.send_response(self.status if self.path == healthcheck.READY_PATH else 404)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", free_port()), Health)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    Health.status = 200


def test_an_api_is_healthy_while_its_readiness_endpoint_answers_ok(server) -> None:
    env = {"VALUATION_PORT": str(server.server_address[1])}
    assert healthcheck.healthy(["api", "valuation"], env)
    Health.status = 503
    assert not healthcheck.healthy(["api", "valuation"], env)
    assert not healthcheck.healthy(["api", "valuation"], {"VALUATION_PORT": str(free_port())}), "nothing listening"


def test_the_gateway_is_healthy_while_its_readiness_endpoint_answers_ok(server) -> None:
    assert healthcheck.healthy(["gateway"], {"GATEWAY_PORT": str(server.server_address[1])})


def test_a_worker_is_healthy_while_its_database_and_a_kafka_bootstrap_server_accept_connections() -> None:
    with socket.socket() as database, socket.socket() as kafka:
        for listener in (database, kafka):
            listener.bind(("127.0.0.1", 0))
            listener.listen()
        env = {
            "COUPON_DATABASE_URL": f"postgresql://coupon:pw@127.0.0.1:{database.getsockname()[1]}/coupon",
            "KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}, 127.0.0.1:{kafka.getsockname()[1]}",
        }
        assert healthcheck.healthy(["worker", "coupon"], env), "one bootstrap server answering is enough"
        assert not healthcheck.healthy(["worker", "coupon"], env | {"KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}"})
        assert not healthcheck.healthy(["worker", "coupon"], env | {"COUPON_DATABASE_URL": f"postgresql://c:p@127.0.0.1:{free_port()}/c"})
