"""`python -m launcher run | run-scaled | migrate | token --account ID [--role ops] | ops …` (see launcher.ops)."""

import subprocess
import sys

from launcher.scaled import ScaledStack
from launcher.stack import Stack
from launcher.supervisor import Program, Supervisor

# Stopped first to last: the gateway stops taking requests, then the services, the broker last.
STOP_RANKS = {"gateway": 0, "broker": 2}


def run(stack: Stack) -> int:
    stack.prepare()
    env = stack.env()
    print("\nSmart Upgrade & Exchange — embedded default")
    print(f"  gateway   http://127.0.0.1:{stack.gateway_port}/api/v1  (health: /api/v1/health)")
    print(f"  broker    127.0.0.1:{stack.broker_port} (Tansu, in memory; events are republished from the outboxes after a restart)")
    for name in stack.services():
        print(f"  {name:<9} http://127.0.0.1:{stack.service_ports[name]}  data: {stack.var_dir / (name + '.db')}")
    programs = [Program(name, command, env, stop_rank=STOP_RANKS.get(name, 1)) for name, command in stack.commands().items()]
    supervisor = Supervisor(programs, state_file=stack.var_dir / "processes.json")
    return supervisor.run(lambda: _print_started(supervisor))


def run_scaled(scaled: ScaledStack) -> int:
    created = scaled.prepare()
    programs = scaled.programs()
    print("\nSmart Upgrade & Exchange — scaled run (PostgreSQL, Redis, replicas; ENV=development)")
    for line in scaled.describe():
        print(line)
    if created:
        print(f"  created databases: {', '.join(created)}")
    supervisor = Supervisor(programs, state_file=scaled.stack.var_dir / "processes.json")
    try:
        return supervisor.run(lambda: _print_started(supervisor))
    finally:
        scaled.close_sockets()


def _print_started(supervisor: Supervisor) -> None:
    print("  started:  " + ", ".join(f"{name} (pid {pid})" for name, pid in supervisor.pids().items()))
    print("  A process that stops is restarted; Ctrl-C stops everything.\n", flush=True)


def main() -> None:
    stack = Stack.from_environment()
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "migrate":
        stack.prepare()
    elif command == "run":
        sys.exit(run(stack))
    elif command == "run-scaled":
        sys.exit(run_scaled(ScaledStack.from_environment()))
    elif command == "token":
        # The dev issuer's secret lives in this data directory, so the token is made with its settings.
        sys.exit(subprocess.call([sys.executable, "-m", "gateway.cli", "token", *sys.argv[2:]], env=stack.env()))
    elif command == "ops":
        from launcher import ops

        sys.exit(ops.main(sys.argv[2:], stack))
    else:
        sys.exit(f"unknown command {command}; use run, run-scaled, migrate, token or ops")


if __name__ == "__main__":
    main()
