"""`python -m launcher run | migrate | token --account ID [--role ops]`."""

import subprocess
import sys

from honcho.manager import Manager

from launcher.stack import Stack


def run(stack: Stack) -> int:
    stack.prepare()
    env = stack.env()
    print("\nSmart Upgrade & Exchange — embedded default")
    print(f"  gateway   http://127.0.0.1:{stack.gateway_port}/api/v1  (health: /api/v1/health)")
    print(f"  broker    127.0.0.1:{stack.broker_port} (Tansu, in memory; events are republished from the outboxes after a restart)")
    for name in stack.services():
        print(f"  {name:<9} http://127.0.0.1:{stack.service_ports[name]}  data: {stack.var_dir / (name + '.db')}")
    print("  Ctrl-C stops everything.\n", flush=True)
    manager = Manager()
    for name, command in stack.commands().items():
        manager.add_process(name, " ".join(command), env=env)
    manager.loop()
    return manager.returncode or 0


def main() -> None:
    stack = Stack.from_environment()
    command = sys.argv[1] if len(sys.argv) > 1 else "run"
    if command == "migrate":
        stack.prepare()
    elif command == "run":
        sys.exit(run(stack))
    elif command == "token":
        # The dev issuer's secret lives in this data directory, so the token is made with its settings.
        sys.exit(subprocess.call([sys.executable, "-m", "gateway.cli", "token", *sys.argv[2:]], env=stack.env()))
    else:
        sys.exit(f"unknown command {command}; use run, migrate or token")


if __name__ == "__main__":
    main()
