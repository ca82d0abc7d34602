"""End-to-end: the processes `make run` starts, on free ports, with a scratch data directory."""

import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from eventing.testing import free_port, stop
from launcher.stack import SERVICES, Stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory) -> Stack:
    stack = Stack(
        var_dir=tmp_path_factory.mktemp("var"),
        gateway_port=free_port(),
        broker_port=free_port(),
        service_ports={name: free_port() for name in SERVICES},
        # Short group sessions: a consumer joining the broker waits about half of this.
        extra_env={"KAFKA_SESSION_TIMEOUT_MS": "6000", "RELAY_POLL_SECONDS": "0.2", "RATE_CUSTOMER": "500/1000", "RATE_PARTNER": "500/1000",
                   "RATE_OPS": "500/1000", "RATE_ANONYMOUS": "500/1000", "RATE_COUPON_LOOKUP": "500/1000"},
    )
    for name in SERVICES:
        os.environ.pop(f"{name.upper()}_DATABASE_URL", None)
    stack.prepare()
    logs = stack.var_dir / "logs"
    logs.mkdir()
    processes = []
    for name, command in stack.commands().items():
        log = open(logs / f"{name}.log", "wb")
        processes.append(subprocess.Popen(command, env=stack.env(), stdout=log, stderr=subprocess.STDOUT, cwd=Path(__file__).resolve().parents[2]))
    try:
        wait_until_healthy(stack)
        yield stack
    finally:
        for process in reversed(processes):
            stop(process)


def wait_until_healthy(stack: Stack, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = httpx.get(f"http://127.0.0.1:{stack.gateway_port}/api/v1/health", timeout=3)
            services = last.json().get("services", {})
            if all(services.get(name, {}).get("status") == "ok" for name in stack.services()):
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    raise AssertionError(f"the platform did not become healthy: {last.text if last is not None else 'no answer'}")


@pytest.fixture(scope="session")
def api(stack: Stack):
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.gateway_port}", timeout=10) as client:
        yield client


def poll(check, timeout: float = 30.0, interval: float = 0.2):  # type: ignore[no-untyped-def]
    """Call `check` until it returns something truthy, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s; last: {result!r}")
        time.sleep(interval)


def pytest_collection_modifyitems(items) -> None:  # type: ignore[no-untyped-def]
    """Tests marked `runs_last` (the schema fuzz writes as ops, even over seeded models) run after the rest."""
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)
