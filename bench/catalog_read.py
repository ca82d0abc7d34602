"""Catalog read: direct, through the gateway, and through nginx (the reference proxy), in one run.

Prints requests/s, p50 and p99 for each (median of 3 wrk runs) and the gateway/nginx ratio.
Needs nginx and wrk from Debian's packages (`apt-get install nginx-light wrk`; installed when run as root or with sudo).
Usage: python bench/catalog_read.py [--seconds 8] [--connections 32] [--runs 3]
"""

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchkit import ensure_tools, wait_ok, wrk
from eventing.testing import free_port, stop
from launcher.stack import Stack

PATH = "/api/v1/catalog/models/redmi-9-prime-4gb-64gb"
NGINX_CONF = """
daemon off; worker_processes 1; pid {dir}/nginx.pid; error_log {dir}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  upstream catalog {{ server 127.0.0.1:{upstream}; keepalive 64; }}
  server {{
    listen 127.0.0.1:{port};
    location / {{ proxy_pass http://catalog; proxy_http_version 1.1; proxy_set_header Connection ""; }}
  }}
}}
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ensure_tools("wrk", "nginx")
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    stack = Stack(var_dir=work / "var", gateway_port=free_port(), broker_port=free_port(), service_ports={"catalog": free_port()})
    stack.extra_env = {"LAUNCH_SERVICES": "catalog", "RATE_ANONYMOUS": "1000000/1000000"}
    import os

    os.environ["LAUNCH_SERVICES"] = "catalog"
    stack.prepare()
    processes = [subprocess.Popen(cmd, env=stack.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for cmd in stack.commands().values()]
    nginx_port = free_port()
    (work / "nginx.conf").write_text(NGINX_CONF.format(dir=work, upstream=stack.service_ports["catalog"], port=nginx_port))
    processes.append(subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-c", str(work / "nginx.conf"), "-p", str(work)], stderr=subprocess.DEVNULL))
    targets = {
        "direct": f"http://127.0.0.1:{stack.service_ports['catalog']}{PATH}",
        "gateway": f"http://127.0.0.1:{stack.gateway_port}{PATH}",
        "nginx": f"http://127.0.0.1:{nginx_port}{PATH}",
    }
    try:
        for url in targets.values():
            wait_ok(url)
            wrk(url, 2, args.connections)  # warm-up
        results = {}
        for name, url in targets.items():
            runs = [wrk(url, args.seconds, args.connections) for _ in range(args.runs)]
            results[name] = tuple(statistics.median(figure) for figure in zip(*((r.rps, r.p50_ms, r.p99_ms) for r in runs), strict=True))
        print(f"catalog read {PATH}, {args.connections} connections, median of {args.runs} x {args.seconds}s")
        print(f"{'target':<8} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
        for name, (rps, p50, p99) in results.items():
            print(f"{name:<8} {rps:>9.0f} {p50:>8.2f} {p99:>8.2f}")
        print(f"gateway/direct = {results['gateway'][0] / results['direct'][0]:.2f}   nginx/direct = {results['nginx'][0] / results['direct'][0]:.2f}   gateway/nginx = {results['gateway'][0] / results['nginx'][0]:.2f}")
    finally:
        for process in reversed(processes):
            stop(process)


if __name__ == "__main__":
    main()
