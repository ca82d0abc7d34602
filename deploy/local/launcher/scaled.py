"""What `make run-scaled` starts: the production shape on one machine.

PostgreSQL (the local server; one database per service, created when missing), Redis, the Tansu
broker, and per service API replicas (HTTP only) and workers (`python -m <svc>.worker`: relay,
consumers, sweeps), and gateway replicas, all supervised. The URL is `make run`'s
(http://127.0.0.1:8000/api/v1), and so are the service ports: the replicas of one role share one
listening socket (launcher/replica.py). Settings, all from the environment:

    API_REPLICAS (2), WORKER_REPLICAS (1), GATEWAY_REPLICAS (2); per service <SERVICE>_API_REPLICAS,
    <SERVICE>_WORKER_REPLICAS; POSTGRES_URL (postgresql://postgres@127.0.0.1:5432/postgres, the server
    and a login that may create databases); DATABASE_PREFIX (smartupgrade_: databases smartupgrade_catalog, …);
    REDIS_URL (redis://127.0.0.1:6379/0); REDIS_PREFIX (su: — gateway keys su:gw:…, services' su:svc:…);
    VAR_DIR (var: its secrets.env, shared with `make run`, and processes.json); GATEWAY_PORT, BROKER_PORT,
    <SERVICE>_PORT as for `make run`.

ENV stays development: production also refuses the local dev issuer (HS256 tokens; it wants the account
service's JWKS) and the dev partners file, and faking those would prove nothing.
"""

import asyncio
import os
import socket
import sys
from dataclasses import dataclass, field

from launcher.stack import REPO, Stack, migrate_and_seed
from launcher.supervisor import Program

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
GRACEFUL_SHUTDOWN_SECONDS = "10"


@dataclass
class Scale:
    api: dict[str, int]
    worker: dict[str, int]
    gateway: int

    @classmethod
    def from_environment(cls, services: list[str], environ: dict[str, str] | None = None) -> "Scale":
        env = os.environ if environ is None else environ
        api, worker = int(env.get("API_REPLICAS", "2")), int(env.get("WORKER_REPLICAS", "1"))
        return cls(
            api={name: int(env.get(f"{name.upper()}_API_REPLICAS", api)) for name in services},
            worker={name: int(env.get(f"{name.upper()}_WORKER_REPLICAS", worker)) for name in services},
            gateway=int(env.get("GATEWAY_REPLICAS", "2")),
        )


@dataclass
class ScaledStack:
    """The scaled run's settings, databases, sockets and programs."""

    stack: Stack
    scale: Scale
    postgres_url: str = DEFAULT_POSTGRES
    database_prefix: str = "smartupgrade_"
    redis_url: str = DEFAULT_REDIS
    redis_prefix: str = "su:"
    extra_env: dict[str, str] = field(default_factory=dict)
    sockets: dict[str, socket.socket] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> "ScaledStack":
        stack = Stack.from_environment()
        return cls(
            stack, Scale.from_environment(stack.services()),
            postgres_url=os.environ.get("POSTGRES_URL", DEFAULT_POSTGRES),
            database_prefix=os.environ.get("DATABASE_PREFIX", "smartupgrade_"),
            redis_url=os.environ.get("REDIS_URL", DEFAULT_REDIS),
            redis_prefix=os.environ.get("REDIS_PREFIX", "su:"),
        )

    def database_name(self, service: str) -> str:
        return f"{self.database_prefix}{service}"

    def database_url(self, service: str) -> str:
        server, _, _ = self.postgres_url.rpartition("/")
        return f"{server}/{self.database_name(service)}"

    def env(self) -> dict[str, str]:
        env = self.stack.env()
        env["ENV"] = "development"
        for name in self.stack.services():
            env[f"{name.upper()}_DATABASE_URL"] = self.database_url(name)
        env["REDIS_URL"] = self.redis_url
        env.update(self.extra_env)
        return env

    def create_databases(self) -> list[str]:
        """Create each service's database when missing; returns the ones created."""
        return asyncio.run(self._create_databases())

    async def _create_databases(self) -> list[str]:
        import asyncpg

        admin = await asyncpg.connect(self.postgres_url.replace("postgresql+asyncpg://", "postgresql://", 1))
        created = []
        try:
            for name in self.stack.services():
                database = self.database_name(name)
                if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database):
                    await admin.execute(f'CREATE DATABASE "{database}"')
                    created.append(database)
        finally:
            await admin.close()
        return created

    def prepare(self) -> list[str]:
        """Databases, then every service's migrations, then seed data (into empty tables only); returns the databases created."""
        self.stack.var_dir.mkdir(parents=True, exist_ok=True)
        created = self.create_databases()
        migrate_and_seed(self.stack.services(), self.env())
        return created

    def open_sockets(self) -> None:
        """One listening socket per role, held by the launcher for as long as it runs."""
        ports = {name: self.stack.service_ports[name] for name in self.stack.services()} | {"gateway": self.stack.gateway_port}
        for role, port in ports.items():
            if role not in self.sockets:
                listener = socket.create_server(("127.0.0.1", port), backlog=2048)
                listener.set_inheritable(True)
                self.sockets[role] = listener

    def close_sockets(self) -> None:
        for listener in self.sockets.values():
            listener.close()
        self.sockets.clear()

    def programs(self) -> list[Program]:
        """The broker, each service's API replicas and workers, the gateway replicas (start order)."""
        self.open_sockets()
        python = sys.executable
        base = self.env()
        services_env = base | {"REDIS_PREFIX": f"{self.redis_prefix}svc:"}
        programs = [Program("broker", [python, "-m", "eventing.broker"], base, stop_rank=3, cwd=REPO)]
        for name in self.stack.services():
            fd = self.sockets[name].fileno()
            for i in range(1, self.scale.api[name] + 1):
                replica = f"{name}-api-{i}"
                command = [python, "-m", "launcher.replica", "--fd", str(fd), "--name", replica,
                           "--timeout-graceful-shutdown", GRACEFUL_SHUTDOWN_SECONDS, f"{name}.main:app"]
                programs.append(Program(replica, command, services_env | {"RUN_WORKERS": "false"}, stop_rank=1, pass_fds=(fd,), cwd=REPO))
            for i in range(1, self.scale.worker[name] + 1):
                programs.append(Program(f"{name}-worker-{i}", [python, "-m", f"{name}.worker"], services_env | {"RUN_WORKERS": "true"}, stop_rank=2, cwd=REPO))
        fd = self.sockets["gateway"].fileno()
        gateway_env = base | {"REDIS_PREFIX": f"{self.redis_prefix}gw:"}
        for i in range(1, self.scale.gateway + 1):
            replica = f"gateway-{i}"
            # --no-proxy-headers: the gateway itself decides whose X-Forwarded-For to believe (TRUSTED_PROXIES).
            command = [python, "-m", "launcher.replica", "--fd", str(fd), "--name", replica, "--no-access-log", "--no-proxy-headers",
                       "--timeout-graceful-shutdown", GRACEFUL_SHUTDOWN_SECONDS, "gateway.app:app"]
            programs.append(Program(replica, command, gateway_env, stop_rank=0, pass_fds=(fd,), cwd=REPO))
        return programs

    def describe(self) -> list[str]:
        """What the run consists of, for people."""
        lines = [
            f"  gateway   http://127.0.0.1:{self.stack.gateway_port}/api/v1  ×{self.scale.gateway} replicas on one socket  (health: /api/v1/health)",
            f"  broker    127.0.0.1:{self.stack.broker_port} (Tansu, in memory; events are republished from the outboxes after a restart)",
            f"  redis     {_without_password(self.redis_url)}  keys {self.redis_prefix}gw:… (rate limits, signatures), {self.redis_prefix}svc:… (identities)",
        ]
        for name in self.stack.services():
            lines.append(
                f"  {name:<9} http://127.0.0.1:{self.stack.service_ports[name]}  api ×{self.scale.api[name]}, worker ×{self.scale.worker[name]}"
                f"  database {self.database_name(name)}"
            )
        return lines


def _without_password(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}" if "@" in rest else url
