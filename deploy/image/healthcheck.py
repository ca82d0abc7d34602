"""Container healthchecks (compose's `healthcheck:`): `api SERVICE`, `gateway` or `worker SERVICE`; exit 0 when healthy.

An api or the gateway is asked for its readiness endpoint on its own port. A worker serves no HTTP, so
its check is that what it works with answers: its database and a Kafka bootstrap server accept a connection.
"""

import importlib
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from os import environ as process_environment
from urllib.parse import urlsplit

from entrypoint import SERVICES, port_of, settings_module

# Kubernetes probes the same paths (deploy/k8s): liveness /health/live, readiness /health/ready.
READY_PATH = "/health/ready"
TIMEOUT_SECONDS = 3.0


def http_ok(url: str, timeout: float = TIMEOUT_SECONDS) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError):
        return False


def reachable(host: str, port: int, timeout: float = TIMEOUT_SECONDS) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def worker_dependencies(service: str, environ: Mapping[str, str]) -> list[list[tuple[str, int]]]:
    """Groups of (host, port), each group healthy when any of its addresses answers: the database, then Kafka."""
    fields = importlib.import_module(settings_module(service)).Settings.model_fields

    def setting(name: str) -> str:
        return environ.get(str(fields[name].validation_alias), str(fields[name].default))

    groups = []
    database = urlsplit(setting("database_url"))
    if database.hostname:  # SQLite has no server to reach
        groups.append([(database.hostname, database.port or 5432)])
    servers = [urlsplit(f"//{server.strip()}") for server in setting("kafka_bootstrap").split(",") if server.strip()]
    groups.append([(server.hostname or "", server.port or 9092) for server in servers])
    return groups


def healthy(args: list[str], environ: Mapping[str, str]) -> bool:
    if args == ["gateway"]:
        return http_ok(f"http://127.0.0.1:{port_of('gateway', environ)}{READY_PATH}")
    if len(args) == 2 and args[1] in SERVICES and args[0] == "api":
        return http_ok(f"http://127.0.0.1:{port_of(args[1], environ)}{READY_PATH}")
    if len(args) == 2 and args[1] in SERVICES and args[0] == "worker":
        return all(any(reachable(host, port) for host, port in group) for group in worker_dependencies(args[1], environ))
    raise SystemExit(f"usage: api SERVICE | worker SERVICE | gateway   (SERVICE: {', '.join(SERVICES)})")


if __name__ == "__main__":
    sys.exit(0 if healthy(sys.argv[1:], process_environment) else 1)
