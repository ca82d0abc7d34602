"""Test support: the processes `make run` starts, on free ports, each startable and killable on its own; and the scaled run."""

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from contracts.consumers import CONSUMERS
from eventing.testing import free_port, stop
from launcher.stack import REPO, SERVICES, Stack

# Short group sessions (a consumer joining waits about half of this) and limits no test reaches.
TEST_ENV = {
    "KAFKA_SESSION_TIMEOUT_MS": "6000", "RELAY_POLL_SECONDS": "0.2", "RATE_CUSTOMER": "500/1000", "RATE_PARTNER": "500/1000",
    "RATE_OPS": "500/1000", "RATE_ANONYMOUS": "500/1000", "RATE_COUPON_LOOKUP": "500/1000",
    # Webhook retries within seconds, not minutes, so a receiver that fails first is seen to get everything.
    "WEBHOOK_POLL_SECONDS": "0.2", "WEBHOOK_BACKOFF_FIRST_SECONDS": "0.5", "WEBHOOK_BACKOFF_CAP_SECONDS": "2", "NOTIFICATION_POLL_SECONDS": "0.3",
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


# What each service's consumer group reads (its read models and reactions), from the declared consumers.
CONSUMER_GROUPS = {group: sorted({contract.TOPIC for contract in subscribed}) for group, subscribed in CONSUMERS.items()}


class RunningScaledStack:
    """`python -m launcher run-scaled` under test: free ports, databases and a Redis key prefix of its own.

    The launcher is started and stopped by its PID; its processes are found in its processes.json.
    """

    def __init__(self, var_dir: Path, postgres_url: str, redis_url: str = "redis://127.0.0.1:6379/0", **settings: str) -> None:
        run = uuid.uuid4().hex[:10]
        self.var_dir = var_dir
        self.postgres_url = postgres_url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self.redis_url = redis_url
        self.database_prefix = f"t_{run}_"
        self.redis_prefix = f"t-{run}:"
        self.ports = {"GATEWAY_PORT": free_port(), "BROKER_PORT": free_port()} | {f"{name.upper()}_PORT": free_port() for name in SERVICES}
        env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
        self.env = env | TEST_ENV | {k: str(v) for k, v in self.ports.items()} | {
            "VAR_DIR": str(var_dir), "POSTGRES_URL": self.postgres_url, "DATABASE_PREFIX": self.database_prefix,
            "REDIS_URL": redis_url, "REDIS_PREFIX": self.redis_prefix,
        } | settings
        self.log = var_dir / "launcher.log"
        self.process: subprocess.Popen | None = None

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['GATEWAY_PORT']}"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.ports['BROKER_PORT']}"

    def database_url(self, service: str) -> str:
        return f"{self.postgres_url.rpartition('/')[0]}/{self.database_prefix}{service}"

    def start(self, timeout: float = 180.0) -> None:
        self.var_dir.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "launcher", "run-scaled"], env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        self.wait_until_serving(timeout)
        asyncio.run(self.wait_until_settled(timeout))

    def state(self) -> dict[str, dict]:
        """Program name → {pid, restarts}, as the supervisor last wrote them."""
        try:
            return json.loads((self.var_dir / "processes.json").read_text())["processes"]
        except (FileNotFoundError, ValueError, KeyError):
            return {}

    def pid(self, name: str) -> int:
        return int(self.state()[name]["pid"])

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def serving(self) -> bool:
        """Every program runs, and every HTTP replica's current process has said it accepts connections."""
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the launcher exited with {self.process.returncode}:\n{self.log_text()[-3000:]}")
        state = self.state()
        if not state or any(entry["pid"] is None for entry in state.values()):
            return False
        text = self.log_text()
        http = [name for name in state if "-api-" in name or name.startswith("gateway-")]
        return all(f"{name} (pid {state[name]['pid']}) accepting connections" in text for name in http)

    def wait_until_serving(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.serving():
            if time.monotonic() > deadline:
                raise AssertionError(f"the scaled run is not serving after {timeout}s:\n{self.log_text()[-3000:]}")
            time.sleep(0.2)

    async def unpublished(self, service: str) -> int:
        import asyncpg

        connection = await asyncpg.connect(self.database_url(service))
        try:
            return int(await connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
        finally:
            await connection.close()

    async def settled(self) -> bool:
        """Every outbox is published and every consumer group has applied everything on its topics."""
        from eventing.testing import caught_up

        for service in SERVICES:
            if await self.unpublished(service):
                return False
        for group, topics in CONSUMER_GROUPS.items():
            if not await caught_up(self.bootstrap, group, topics):
                return False
        return True

    async def wait_until_settled(self, timeout: float = 60.0) -> None:
        from eventing.testing import eventually

        await eventually(self.settled, timeout=timeout, interval=0.3, what="every outbox published and every consumer group caught up")

    def stop(self) -> None:
        """Ctrl-C to the launcher; whatever it leaves behind is killed by PID."""
        if self.process is None:
            return
        leftovers = [entry["pid"] for entry in self.state().values() if entry.get("pid")]
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def drop_databases_and_keys(self) -> None:
        asyncio.run(self._drop())

    async def _drop(self) -> None:
        import asyncpg
        import redis.asyncio as redis

        admin = await asyncpg.connect(self.postgres_url)
        try:
            for service in SERVICES:
                await admin.execute(f'DROP DATABASE IF EXISTS "{self.database_prefix}{service}" WITH (FORCE)')
        finally:
            await admin.close()
        client = redis.from_url(self.redis_url)
        try:
            async for key in client.scan_iter(match=f"{self.redis_prefix}*", count=1000):
                await client.delete(key)
        finally:
            await client.aclose()
