"""Extra processes the attacks need beside the shared platform: a second gateway with other settings, a capturing upstream."""

import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from eventing.testing import free_port, stop, wait_for_port
from launcher.stack import REPO
from launcher.testing import RunningStack


@contextlib.contextmanager
def extra_gateway(platform: RunningStack, **env: str) -> Iterator[str]:
    """Another gateway process in front of the platform's services, with `env` on top of the platform's settings."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "--factory", "--host", "127.0.0.1", "--no-proxy-headers", "--port", str(port), "gateway.app:app"]
    process = subprocess.Popen(command, env=platform.stack.env() | env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
    try:
        wait_for_port(port)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@contextlib.contextmanager
def capturing_upstream() -> Iterator[tuple[str, list[dict]]]:
    """An HTTP server that records what it is sent (as a sniffer on the wire would) and answers 200 {}."""
    seen: list[dict] = []

    class Recorder(BaseHTTPRequestHandler):
        def _record(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            seen.append({"method": self.command, "path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        do_GET = do_PUT = do_POST = do_DELETE = _record

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()
