"""The cost of tracing: the catalog read of bench/catalog_read.py (the same path, its own wrk runs) with tracing off, then on, exporting to a
local OTLP sink that answers like a collector and discards the spans (a collector's own work is elsewhere).

Runs alternate (off, on, off, on, …) so the machine's drift hits both alike. Besides requests/s (which a
busy machine blurs), it reports the CPU the catalog and gateway processes spent per request (from
/proc, over the load and the 6 s after it, so the batch exporter's work is counted): the steadier figure.
Needs wrk (`apt-get install wrk`).
Usage: python bench/tracing_cost.py [--pairs 2] [--seconds 8] [--connections 32]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchkit import cpu_seconds, wait_ok, wrk
from eventing.testing import free_port, stop
from launcher.stack import Stack

PATH = "/api/v1/catalog/models/redmi-9-prime-4gb-64gb"  # the read bench/catalog_read.py measures


class Sink(BaseHTTPRequestHandler):
    received = 0

    def do_POST(self) -> None:
        Sink.received += len(self.rfile.read(int(self.headers.get("content-length", "0"))))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def run(seconds: int, connections: int, endpoint: str | None) -> dict[str, tuple[float, float, float]]:
    """Target → (requests/s, CPU ms per request of the catalog, of the gateway)."""
    for name in [name for name in os.environ if name.startswith("OTEL_")]:
        del os.environ[name]
    if endpoint:
        os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint
    os.environ["LAUNCH_SERVICES"] = "catalog"
    work = Path(tempfile.mkdtemp(prefix="bench-tracing-"))
    stack = Stack(var_dir=work / "var", gateway_port=free_port(), broker_port=free_port(), service_ports={"catalog": free_port()})
    stack.extra_env = {"LAUNCH_SERVICES": "catalog", "RATE_ANONYMOUS": "1000000/1000000"}
    stack.prepare()
    processes = {name: subprocess.Popen(cmd, env=stack.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for name, cmd in stack.commands().items()}
    targets = {"direct": f"http://127.0.0.1:{stack.service_ports['catalog']}{PATH}", "gateway": f"http://127.0.0.1:{stack.gateway_port}{PATH}"}
    figures = {}
    try:
        for url in targets.values():
            wait_ok(url, timeout=60)
            wrk(url, 2, connections)  # warm-up
        time.sleep(6)
        for name, url in targets.items():
            before = {p: cpu_seconds(processes[p].pid) for p in ("catalog", "gateway")}
            rps = wrk(url, seconds, connections).rps
            time.sleep(6)  # the last batch of spans is exported within the 5 s schedule delay
            spent = {p: 1000 * (cpu_seconds(processes[p].pid) - before[p]) / (rps * seconds) for p in before}
            figures[name] = (rps, spent["catalog"], spent["gateway"])
    finally:
        for process in reversed(list(processes.values())):
            stop(process)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    port = free_port()
    sink = ThreadingHTTPServer(("127.0.0.1", port), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    results: dict[str, list[dict[str, tuple[float, float, float]]]] = {"off": [], "on": []}
    try:
        for pair in range(args.pairs):
            for mode in ("off", "on"):
                figures = run(args.seconds, args.connections, f"http://127.0.0.1:{port}" if mode == "on" else None)
                results[mode].append(figures)
                line = "   ".join(f"{t} {rps:>6.0f} req/s CPU ms/req catalog {c:.2f} gateway {g:.2f}" for t, (rps, c, g) in figures.items())
                print(f"pair {pair + 1} tracing {mode:<3}  {line}", flush=True)
    finally:
        sink.shutdown()
    print(f"OTLP bytes received while on: {Sink.received}")
    print(f"catalog read {PATH}, {args.connections} connections, median of {args.pairs} runs x {args.seconds}s each")
    for target in ("direct", "gateway"):
        off_rps, on_rps = (statistics.median(r[target][0] for r in results[mode]) for mode in ("off", "on"))
        off_cpu, on_cpu = (statistics.median(r[target][1] + r[target][2] for r in results[mode]) for mode in ("off", "on"))
        print(
            f"{target:<8} req/s off {off_rps:>6.0f} on {on_rps:>6.0f} (on/off {on_rps / off_rps:.2f})   "
            f"CPU ms/req (catalog + gateway) off {off_cpu:.2f} on {on_cpu:.2f} (on/off {on_cpu / off_cpu:.2f})"
        )


if __name__ == "__main__":
    main()
