"""One HTTP replica of the scaled run: uvicorn serving an app on a listening socket the launcher shares.

    python -m launcher.replica --fd N --name catalog-api-1 [--no-access-log] [--no-proxy-headers] catalog.main:app

The launcher opens one listening socket per role (a service's port, the gateway's) and hands the same
socket to every replica of that role, as gunicorn does: the kernel gives each new connection to one
replica that is accepting, so a replica that is dead, restarting or draining leaves its peers taking
every connection, and nothing queued is lost. uvicorn's own `--fd` labels the socket AF_UNIX, which
turns off TCP_NODELAY on accepted connections; here the socket is rebuilt from its descriptor as what
it is. Each answer carries `X-Served-By: <name>:<pid>` (the scaled run only), so which replica served
a request — and which gateway forwarded it — can be seen from outside.
"""

import argparse
import os
import socket

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-served-by"


class ServedBy:
    """Adds `X-Served-By: <replica>:<pid>` to every HTTP answer."""

    def __init__(self, app: ASGIApp, name: str) -> None:
        self.app = app
        self.value = f"{name}:{os.getpid()}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (HEADER, self.value)]}
            await send(message)

        await self.app(scope, receive, sending)


class Replica(uvicorn.Server):
    """uvicorn, saying when it takes connections (its own message names no socket it did not open)."""

    def __init__(self, config: uvicorn.Config, name: str) -> None:
        super().__init__(config)
        self.name = name

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            print(f"{self.name} (pid {os.getpid()}) accepting connections", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m launcher.replica")
    parser.add_argument("--fd", type=int, required=True, help="the shared listening socket's descriptor")
    parser.add_argument("--name", required=True, help="this replica's name, for X-Served-By and the logs")
    parser.add_argument("--no-access-log", action="store_true")
    parser.add_argument("--no-proxy-headers", action="store_true")
    parser.add_argument("--timeout-graceful-shutdown", type=int, default=10)
    parser.add_argument("app", help="module:factory")
    args = parser.parse_args()
    config = uvicorn.Config(
        args.app, factory=True, access_log=not args.no_access_log, proxy_headers=not args.no_proxy_headers,
        timeout_graceful_shutdown=args.timeout_graceful_shutdown, lifespan="on",
    )
    config.load()
    config.loaded_app = ServedBy(config.loaded_app, args.name)
    listener = socket.socket(fileno=args.fd)  # family, type and protocol read from the descriptor
    Replica(config, args.name).run(sockets=[listener])


if __name__ == "__main__":
    main()
