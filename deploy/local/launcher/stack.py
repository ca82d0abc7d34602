"""What `make run` starts, on which ports, with which settings — shared with the end-to-end tests."""

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

SERVICES = ["catalog", "enrolment", "valuation", "coupon", "notification"]
SEEDED = ["catalog", "valuation"]
REPO = Path(__file__).resolve().parents[3]
# Made once per data directory and kept in it (var/secrets.env, readable by its owner only):
# nothing in the repository can sign an identity, a token or a metrics scrape.
SECRETS = ("INTERNAL_SECRET", "JWT_SECRET", "METRICS_TOKEN", "NOTIFICATION_SECRETS_KEY")


@dataclass
class Stack:
    """Ports and data directory of one running platform."""

    var_dir: Path = Path("var")
    gateway_port: int = 8000
    broker_port: int = 19092
    service_ports: dict[str, int] = field(default_factory=lambda: {"catalog": 8101, "enrolment": 8102, "valuation": 8103, "coupon": 8104, "notification": 8105})
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> "Stack":
        stack = cls(var_dir=Path(os.environ.get("VAR_DIR", "var")))
        stack.gateway_port = int(os.environ.get("GATEWAY_PORT", stack.gateway_port))
        stack.broker_port = int(os.environ.get("BROKER_PORT", stack.broker_port))
        for name in SERVICES:
            stack.service_ports[name] = int(os.environ.get(f"{name.upper()}_PORT", stack.service_ports[name]))
        return stack

    def services(self) -> list[str]:
        """The services whose code is present (each joins the launcher when it lands)."""
        chosen = os.environ.get("LAUNCH_SERVICES", ",".join(SERVICES)).split(",")
        return [name for name in SERVICES if name in chosen and (REPO / "services" / name / name / "main.py").exists()]

    def secrets(self) -> dict[str, str]:
        """This data directory's secrets, made on first use."""
        path = self.var_dir / "secrets.env"
        known: dict[str, str] = {}
        if path.exists():
            known = dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
        missing = [name for name in SECRETS if not known.get(name)]
        if missing:
            known |= {name: secrets.token_urlsafe(32) for name in missing}
            self.var_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write("".join(f"{name}={value}\n" for name, value in known.items()))
        return known

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        for name, value in self.secrets().items():
            env.setdefault(name, value)  # one set in the environment wins (tests, a secret store)
        env["KAFKA_BOOTSTRAP"] = f"127.0.0.1:{self.broker_port}"
        env["BROKER_PORT"] = str(self.broker_port)
        env["GATEWAY_PORT"] = str(self.gateway_port)
        env.setdefault("PARTNERS_FILE", str(REPO / "deploy/local/partners.json"))
        for name, port in self.service_ports.items():
            env[f"{name.upper()}_PORT"] = str(port)
            env[f"{name.upper()}_URL"] = f"http://127.0.0.1:{port}"
            env.setdefault(f"{name.upper()}_DATABASE_URL", f"sqlite+aiosqlite:///{(self.var_dir / f'{name}.db').resolve()}")
        env.update(self.extra_env)
        return env

    def commands(self) -> dict[str, list[str]]:
        """Process name → command line, in start order."""
        python = sys.executable
        uvicorn = [python, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--timeout-graceful-shutdown", "3"]
        commands = {"broker": [python, "-m", "eventing.broker"]}
        for name in self.services():
            commands[name] = [*uvicorn, "--port", str(self.service_ports[name]), f"{name}.main:app"]
        # --no-proxy-headers: the gateway itself decides whose X-Forwarded-For to believe (TRUSTED_PROXIES).
        commands["gateway"] = [*uvicorn, "--no-access-log", "--no-proxy-headers", "--port", str(self.gateway_port), "gateway.app:app"]
        return commands

    def prepare(self) -> None:
        """Migrate every service's database and load seed data (only into empty tables)."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        migrate_and_seed(self.services(), self.env())


def migrate_and_seed(services: list[str], env: dict[str, str]) -> None:
    """Every service's migrations, then seed data (only into empty tables), for `make run` and the scaled run alike."""
    all_succeed([[sys.executable, "-m", f"{name}.db.migrate"] for name in services], env)
    seeds = [name for name in SEEDED if name in services and (REPO / "services" / name / name / "seed").exists()]
    all_succeed([[sys.executable, "-m", f"{name}.seed"] for name in seeds], env)


def all_succeed(commands: list[list[str]], env: dict[str, str]) -> None:
    """Run the commands side by side (each service's database is its own); fail if any fails."""
    processes = [subprocess.Popen(command, env=env, cwd=REPO) for command in commands]
    failed = [" ".join(command[2:]) for command, process in zip(commands, processes, strict=True) if process.wait() != 0]
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")
