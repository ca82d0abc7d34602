"""A partner's receiving HTTP server on a free port, in a thread: fails the first requests it is told to, then accepts."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from eventing.testing import free_port


class Receiver:
    def __init__(self, failures: list[int] | None = None) -> None:
        self.failures = list(failures or [])
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.accepted: list[tuple[dict[str, str], bytes]] = []  # those it answered 2xx
        self.lock = threading.Lock()
        self.port = free_port()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver.lock:
                    request = ({k.lower(): v for k, v in self.headers.items()}, body)
                    receiver.requests.append(request)
                    status = receiver.failures.pop(0) if receiver.failures else 204
                    if status < 300:
                        receiver.accepted.append(request)
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/smartupgrade"

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def received(self, accepted_only: bool = False) -> list[tuple[dict[str, str], bytes]]:
        with self.lock:
            return list(self.accepted if accepted_only else self.requests)
