"""The image's entrypoint: the command names the role, and the process is replaced by the same
command `make run` starts (deploy/local/launcher/stack.py), bound to every interface of the container.

    api SERVICE       uvicorn --factory SERVICE.main:app   (HTTP only: set RUN_WORKERS=false)
    worker SERVICE    python -m SERVICE.worker             (relay, consumers, sweeps)
    migrate SERVICE   python -m SERVICE.db.migrate         (one-shot, before api and worker start)
    gateway           uvicorn --factory gateway.app:app --no-proxy-headers

The port is the process's own setting (`<SERVICE>_PORT`, `GATEWAY_PORT`), read from the environment
under the name its pydantic-settings class gives it, else that class's default.
"""

import importlib
import os
import sys
from collections.abc import Mapping

SERVICES = ("catalog", "enrolment", "valuation", "coupon", "notification")
ROLES = ("api", "worker", "migrate")
# Below the orchestrators' grace period (Kubernetes 30 s, compose stop_grace_period 30 s), so open
# requests finish before a SIGKILL; `make run` uses 3 s for a quick Ctrl-C.
GRACEFUL_SHUTDOWN_SECONDS = "20"
USAGE = f"usage: {' | '.join(f'{role} SERVICE' for role in ROLES)} | gateway   (SERVICE: {', '.join(SERVICES)})"


def settings_module(process: str) -> str:
    return "gateway.config" if process == "gateway" else f"{process}.config"


def port_of(process: str, environ: Mapping[str, str]) -> str:
    """The port setting of `process` (a service or "gateway"): its environment variable, else its default."""
    field = importlib.import_module(settings_module(process)).Settings.model_fields["port"]
    return environ.get(str(field.validation_alias), str(field.default))


def command(args: list[str], environ: Mapping[str, str]) -> list[str]:
    """The command line a role runs; SystemExit with the usage for anything else."""
    python = sys.executable
    uvicorn = [python, "-m", "uvicorn", "--factory", "--host", "0.0.0.0", "--timeout-graceful-shutdown", GRACEFUL_SHUTDOWN_SECONDS]
    if args == ["gateway"]:
        return [*uvicorn, "--no-access-log", "--no-proxy-headers", "--port", port_of("gateway", environ), "gateway.app:app"]
    if len(args) != 2 or args[0] not in ROLES or args[1] not in SERVICES:
        raise SystemExit(USAGE)
    role, service = args
    if role == "api":
        return [*uvicorn, "--port", port_of(service, environ), f"{service}.main:app"]
    if role == "worker":
        return [python, "-m", f"{service}.worker"]
    return [python, "-m", f"{service}.db.migrate"]


def main() -> None:
    argv = command(sys.argv[1:], os.environ)
    sys.stdout.flush()
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
