"""Test support: the processes `make run` starts, on free ports, each startable and killable on its own."""

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from eventing.testing import free_port, stop
from launcher.stack import REPO, SERVICES, Stack

# Short group sessions (a consumer joining waits about half of this) and limits no test reaches.
TEST_ENV = {
    "KAFKA_SESSION_TIMEOUT_MS": "6000", "RELAY_POLL_SECONDS": "0.2", "RATE_CUSTOMER": "500/1000", "RATE_PARTNER": "500/1000",
    "RATE_OPS": "500/1000", "RATE_ANONYMOUS": "500/1000", "RATE_COUPON_LOOKUP": "500/1000",
}


class RunningStack:
    """A whole platform under test; processes are started and stopped by PID, never by name."""

    def __init__(self, var_dir: Path) -> None:
        for name in SERVICES:
            os.environ.pop(f"{name.upper()}_DATABASE_URL", None)
        self.stack = Stack(
            var_dir=var_dir, gateway_port=free_port(), broker_port=free_port(),
            service_ports={name: free_port() for name in SERVICES}, extra_env=dict(TEST_ENV),
        )
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs = var_dir / "logs"

    def start_all(self) -> None:
        self.stack.prepare()
        self.logs.mkdir(parents=True, exist_ok=True)
        for name in self.stack.commands():
            self.start(name)
        self.wait_until_healthy()

    def start(self, name: str) -> None:
        log = open(self.logs / f"{name}.log", "ab")
        command = self.stack.commands()[name]
        self.processes[name] = subprocess.Popen(command, env=self.stack.env(), stdout=log, stderr=subprocess.STDOUT, cwd=REPO)

    def kill_nine(self, name: str) -> None:
        """SIGKILL: no shutdown hook runs, as when a machine dies."""
        process = self.processes[name]
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in reversed(list(self.processes.values())):
            stop(process)

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.gateway_port}"

    def wait_until_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = httpx.get(f"{self.gateway_url}/api/v1/health", timeout=3)
                services = last.json().get("services", {})
                if all(services.get(name, {}).get("status") == "ok" for name in self.stack.services()):
                    return
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.3)
        raise AssertionError(f"the platform did not become healthy: {last.text if last is not None else 'no answer'}")
