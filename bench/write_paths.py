"""The business writes through the gateway, against the catalog read of the same run.

Starts the stack as `make run` does (broker, every service, gateway; embedded SQLite) on free ports in a
scratch directory — or, with `--scaled`, as `make run-scaled` does (the local PostgreSQL and Redis) —
and measures, with wrk (2 threads, `--connections`, `--seconds` each):

- catalog read (the reference; before and after the writes, the ratio uses their mean),
- plan sale (retail partners, signed), quote creation (customers), quote accept (customers),
  coupon redemption (checkout partners, signed),
- then accept → coupon visible under `/me/coupons` at a steady `--rate` accepts/s (p50/p90/p99/max).

Every write is a different customer (one token each), and the partners are `--partners` retailers and as
many checkouts of a bench partners file, so no per-principal limit caps a flow. Signatures and
Idempotency-Keys are single use, so the bench signs every request beforehand and wrk replays each once
(bench/replay.lua). It prints requests/s, each flow's ratio to the catalog read, p50/p99, non-2xx,
CPU milliseconds per request of each process (from /proc) and resident memory before and after.

    .venv/bin/python bench/write_paths.py [--seconds 8] [--connections 32] [--scaled]
"""

import argparse
import asyncio
import functools
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
for _name in ("INTERNAL_SECRET", "JWT_SECRET", "METRICS_TOKEN"):
    os.environ.setdefault(_name, secrets.token_urlsafe(32))

from bench.benchkit import REPLAY, WrkRun, cpu_of, ensure_tools, quiesce, resident_mb, wait_ok, wrk  # noqa: E402
from catalog.seed.__main__ import sample_imei  # noqa: E402
from eventing.testing import free_port, stop  # noqa: E402
from gateway.cli import dev_token  # noqa: E402
from gateway.config import Settings  # noqa: E402
from launcher.stack import SERVICES, Stack  # noqa: E402
from smartupgrade_partner.signing import sign_request  # noqa: E402

CATALOG_PATH = "/api/v1/catalog/models/redmi-9-prime-4gb-64gb"
# New phones sold with a plan, and old phones traded in (no plan names them): no IMEI is used twice.
PLAN_MODELS = ["redmi-note-9-pro-4gb-64gb", "redmi-9-4gb-64gb", "mi-10t-6gb-128gb", "redmi-note-9-4gb-64gb"]
OLD_PHONES = ["samsung-galaxy-a51-6gb-128gb", "vivo-v19-8gb-128gb", "oppo-a52-6gb-128gb", "realme-7-6gb-64gb"]
FLAWLESS = {"powers_on": True, "screen": "flawless", "body": "flawless", "functional_issues": [], "accessories": []}
ORDER_LINE = {"line_id": "1", "model_id": "mi-10t-6gb-128gb", "unit_price_paise": 3599900, "quantity": 1}
# The per-principal limits `make run` keeps; the anonymous one is per client address, and every wrk
# connection comes from 127.0.0.1, so the catalog read (anonymous) lifts it as bench/catalog_read.py does.
LIMITS = {"RATE_CUSTOMER": "10/30", "RATE_PARTNER": "50/100", "RATE_OPS": "50/100", "RATE_ANONYMOUS": "1000000/1000000"}


@dataclass
class Partners:
    """A bench partners file: many retailers and checkouts, secrets made for this run."""

    count: int
    entries: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        for kind in ("retailer", "checkout"):
            for i in range(self.count):
                store = f"bench-store-{i}" if kind == "retailer" else None
                self.entries.append({"key_id": f"pk_bench_{kind}_{i}", "secret": secrets.token_urlsafe(32), "kind": kind, "store_id": store})

    def of(self, kind: str) -> list[dict]:
        return [e for e in self.entries if e["kind"] == kind]

    def write(self, path: Path) -> Path:
        path.write_text(json.dumps(self.entries))
        return path


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: str = ""

    def line(self) -> str:
        return "\t".join([self.method, self.path, "\x1f".join(f"{k}: {v}" for k, v in self.headers.items()), self.body])


def signed(partner: dict, method: str, path: str, body: object) -> Request:
    text = json.dumps(body, separators=(",", ":"))
    headers = sign_request(partner["key_id"], partner["secret"], method, path, text.encode())
    return Request(method, path, {**headers, "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex}, text)


@functools.cache
def gateway_settings() -> Settings:
    """Read once: reading the settings per token made preparing a flow's requests take minutes."""
    return Settings()


def customer(account: str, method: str, path: str, body: object | None = None, idempotent: bool = False) -> Request:
    headers = {"Authorization": f"Bearer {dev_token(gateway_settings(), account, [])}"}
    if idempotent:
        headers["Idempotency-Key"] = uuid.uuid4().hex
    if body is None:
        return Request(method, path, headers)
    return Request(method, path, headers | {"Content-Type": "application/json"}, json.dumps(body, separators=(",", ":")))


class Serials:
    """IMEI serials: one per phone across the whole run."""

    def __init__(self) -> None:
        self._next = iter(range(100000, 999999))

    def imei(self, models: list[str]) -> str:
        serial = next(self._next)
        return sample_imei(models[serial % len(models)], serial)


class EmbeddedStack:
    """`make run`'s processes (the launcher's Stack), on free ports, stopped by PID."""

    def __init__(self, var_dir: Path, env: dict[str, str]) -> None:
        for name in SERVICES:
            os.environ.pop(f"{name.upper()}_DATABASE_URL", None)
        self.stack = Stack(var_dir=var_dir, gateway_port=free_port(), broker_port=free_port(), service_ports={n: free_port() for n in SERVICES}, extra_env=env)
        self.processes: dict[str, subprocess.Popen] = {}

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.gateway_port}"

    def start(self) -> None:
        self.stack.prepare()
        logs = self.stack.var_dir / "logs"
        logs.mkdir(exist_ok=True)
        for name, command in self.stack.commands().items():
            with open(logs / f"{name}.log", "ab") as log:
                self.processes[name] = subprocess.Popen(command, env=self.stack.env(), stdout=log, stderr=subprocess.STDOUT)

    def pids(self) -> dict[str, int]:
        return {name: process.pid for name, process in self.processes.items()}

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            stop(process)


class ScaledStack:
    """`make run-scaled` (launcher.testing's RunningScaledStack): PostgreSQL, Redis, replicas."""

    def __init__(self, var_dir: Path, env: dict[str, str]) -> None:
        from launcher.testing import RunningScaledStack

        postgres = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        self.scaled = RunningScaledStack(var_dir, postgres, **env)

    @property
    def gateway_url(self) -> str:
        return self.scaled.gateway_url

    def start(self) -> None:
        self.scaled.start()

    def pids(self) -> dict[str, int]:
        return {name: int(entry["pid"]) for name, entry in self.scaled.state().items() if entry.get("pid")}

    def stop(self) -> None:
        self.scaled.stop()
        self.scaled.drop_databases_and_keys()


def eventually(attempt: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if attempt():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"not ready after {timeout}s: {what}")


@dataclass
class Flow:
    name: str
    run: WrkRun
    cpu_ms: dict[str, float]  # process → CPU milliseconds per request

    def row(self, reference: float) -> str:
        client = 100 * self.run.client_cpu_s / (self.run.requests / self.run.rps) if self.run.rps else 0
        return (f"{self.name:<18} {self.run.rps:>7.0f} {self.run.rps / reference:>6.2f} {self.run.p50_ms:>7.1f} {self.run.p99_ms:>7.1f} "
                f"{self.run.non_2xx + self.run.errors:>6} {self.run.exhausted:>5} {client:>5.0f}%")


class Bench:
    def __init__(self, stack: EmbeddedStack | ScaledStack, work: Path, partners: Partners, seconds: float, connections: int) -> None:
        self.stack = stack
        self.work = work
        self.partners = partners
        self.seconds = seconds
        self.connections = connections
        self.serials = Serials()
        self.run_id = uuid.uuid4().hex[:6]
        self.flows: list[Flow] = []
        self.profiled: list[str] = []
        self.invoice_date = (datetime.now(ZoneInfo("Asia/Kolkata")).date() - timedelta(days=2)).isoformat()  # a sale of two days ago

    def measure(
        self, name: str, requests: list[Request] | None = None, capture: bool = False, seconds: float | None = None
    ) -> tuple[Flow, list[tuple[str, str]]]:
        """One wrk run of a flow; with `capture`, the (id, account_id) of every 201 answer."""
        pids = self.stack.pids()
        quiesce(pids)
        before = cpu_of(pids)
        captured: list[tuple[str, str]] = []
        profilers = [self.profile(name, service, seconds or self.seconds) for service in self.profiled]
        if requests is None:
            run = wrk(self.stack.gateway_url + CATALOG_PATH, seconds or self.seconds, self.connections)
        else:
            pool = write_pool(self.work / f"{name.replace(' ', '-')}.requests", requests)
            prefix = self.work / f"{name.replace(' ', '-')}.captured"
            args = (str(pool), "2", str(prefix)) if capture else (str(pool), "2")
            run = wrk(self.stack.gateway_url, seconds or self.seconds, self.connections, REPLAY, args)
            for part in self.work.glob(f"{prefix.name}.*"):
                for line in part.read_text().splitlines():
                    if "\t" in line:
                        id_, account = line.split("\t", 1)
                        captured.append((id_, account))
        after = cpu_of(pids)
        for profiler in profilers:
            profiler.wait(60)
        cpu = {n: 1000 * (after[n] - before[n]) / max(1, run.requests) for n in pids}
        flow = Flow(name, run, cpu)
        self.flows.append(flow)
        for line in run.output.splitlines():
            if line.startswith("refused "):
                print(f"  {name}: {line}", flush=True)
        print(f"  {name}: {run.rps:.0f} req/s, p50 {run.p50_ms:.1f} ms, p99 {run.p99_ms:.1f} ms, non-2xx {run.non_2xx}, errors {run.errors}, exhausted {run.exhausted}", flush=True)
        return flow, captured

    def profile(self, flow: str, service: str, seconds: float) -> subprocess.Popen:
        """py-spy on one process while the flow runs (`--profile`): collapsed stacks in bench/results/, for flamegraph.pl or speedscope."""
        out = BENCH_RESULTS / f"profile-{flow.replace(' ', '-')}-{service}.txt"
        out.parent.mkdir(exist_ok=True)
        command = ["record", "--nonblocking", "-r", "100", "-f", "raw", "-d", str(max(1, round(seconds))), "-o", str(out), "--pid", str(self.stack.pids()[service])]
        return subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), *command], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def pool_size(self, reference: float) -> int:
        """Enough single-use requests that no write outruns them: the catalog read's pace, and a margin."""
        return int(reference * self.seconds * 1.3) + 300

    def plan_sales(self, count: int) -> list[Request]:
        retailers = self.partners.of("retailer")
        sales = []
        for i in range(count):
            imei = self.serials.imei(PLAN_MODELS)
            model = PLAN_MODELS[int(imei[8:14]) % len(PLAN_MODELS)]
            body = {"imei": imei, "imei2": None, "model_id": model, "invoice_number": f"BENCH-{self.run_id}-{i}", "invoice_date": self.invoice_date,
                    "account_id": f"bench-plan-{self.run_id}-{i}", "customer_phone": f"+9198{i % 100000000:08d}"}
            sales.append(signed(retailers[i % len(retailers)], "POST", "/api/v1/plans", body))
        return sales

    def quotes(self, count: int) -> list[Request]:
        return [customer(f"bench-quote-{self.run_id}-{i}", "POST", "/api/v1/quotes", {"imei": self.serials.imei(OLD_PHONES), "condition": FLAWLESS}) for i in range(count)]

    def redemptions(self, coupons: list[tuple[str, str]]) -> list[Request]:
        checkouts = self.partners.of("checkout")
        return [
            signed(checkouts[i % len(checkouts)], "POST", f"/api/v1/coupons/{code}/redemptions",
                   {"account_id": account, "order_id": f"bench-order-{uuid.uuid4().hex[:12]}", "lines": [ORDER_LINE]})
            for i, (code, account) in enumerate(coupons)
        ]


def write_pool(path: Path, requests: list[Request]) -> Path:
    path.write_text("\n".join(r.line() for r in requests) + "\n")
    return path


def accept(quote_id: str, account: str) -> Request:
    return customer(account, "POST", f"/api/v1/quotes/{quote_id}/accept", idempotent=True)


async def coupons_of(gateway: str, accounts: list[str], timeout: float = 180) -> list[tuple[str, str]]:
    """(code, account) of each account's coupon, once credited (the coupon service learns of accepts by events)."""
    found: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    gate = asyncio.Semaphore(16)
    async with httpx.AsyncClient(base_url=gateway, timeout=30) as http:

        async def one(account: str) -> None:
            headers = {"Authorization": f"Bearer {dev_token(gateway_settings(), account, [])}"}
            while time.monotonic() < deadline:
                async with gate:
                    response = await http.get("/api/v1/me/coupons", headers=headers)
                items = response.json().get("items", []) if response.status_code == 200 else []
                if items:
                    found[account] = items[0]["code"]
                    return
                await asyncio.sleep(0.5)

        await asyncio.gather(*(one(a) for a in accounts))
    return [(code, account) for account, code in found.items()]


async def accept_to_coupon(gateway: str, quotes: list[tuple[str, str]], rate: float, answered: list[float]) -> tuple[list[float], int, int]:
    """Accept at a steady `rate`; per accept, the time from sending it to the first /me/coupons answer listing its coupon.

    Each customer polls its own /me/coupons, as an app waiting on the coupon would: every 25 ms for 250 ms,
    every 100 ms to 1 s, then every 250 ms (within its 10/s limit; a 429 counts as "not yet"). So a figure
    is late by up to 25 ms below 250 ms, 100 ms below 1 s, 250 ms above. Returns (seconds per accept,
    missing, failed accepts).
    """
    latencies: list[float] = []
    failed = 0
    started = time.monotonic()
    async with httpx.AsyncClient(base_url=gateway, timeout=30, limits=httpx.Limits(max_connections=64)) as http:

        async def one(i: int, quote_id: str, account: str) -> None:
            nonlocal failed
            await asyncio.sleep(max(0.0, started + i / rate - time.monotonic()))
            headers = {"Authorization": f"Bearer {dev_token(gateway_settings(), account, [])}"}
            sent = time.monotonic()
            accepted = await http.post(f"/api/v1/quotes/{quote_id}/accept", headers=headers | {"Idempotency-Key": uuid.uuid4().hex})
            answered.append(time.monotonic() - sent)  # the accept's own part of the wait
            if accepted.status_code != 201:
                failed += 1
                return
            while time.monotonic() - sent < 30:
                response = await http.get("/api/v1/me/coupons", headers=headers)
                if response.status_code == 200 and response.json()["items"]:
                    latencies.append(time.monotonic() - sent)
                    return
                # Every 25 ms for the first 250 ms, every 100 ms to 1 s, then every 250 ms: slow credits
                # must not bury the stack in polls (at 20/s, pending customers x polls/s is the load).
                waited = time.monotonic() - sent
                await asyncio.sleep(0.025 if waited < 0.25 else 0.1 if waited < 1 else 0.25)

        await asyncio.gather(*(one(i, q, a) for i, (q, a) in enumerate(quotes)))
    return latencies, len(quotes) - failed - len(latencies), failed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def wait_ready(stack: EmbeddedStack | ScaledStack, bench: Bench) -> None:
    """Healthy, and the catalog's seed has reached the read models every flow needs."""
    gateway = stack.gateway_url
    try:
        wait_ok(gateway + CATALOG_PATH, 180)
    except SystemExit:
        if isinstance(stack, EmbeddedStack):
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    print(f"{name} exited:\n" + (stack.stack.var_dir / "logs" / f"{name}.log").read_text()[-2000:])
        raise
    with httpx.Client(base_url=gateway, timeout=10) as http:

        def send(request: Request) -> httpx.Response:
            return http.request(request.method, request.path, headers=request.headers, content=request.body.encode())

        eventually(lambda: send(bench.quotes(1)[0]).status_code == 201, "valuation knows the seeded phones")
        eventually(lambda: http.get("/api/v1/plans/preview", params={"model_id": PLAN_MODELS[0], "purchase_date": bench.invoice_date}).status_code == 200,
                   "enrolment knows the seeded phones")
        for request in bench.plan_sales(20) + bench.quotes(20):  # warm every code path before measuring
            send(request)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rate", type=float, default=20, help="accepts per second for accept → coupon visible")
    parser.add_argument("--latency-seconds", type=float, default=10)
    parser.add_argument("--partners", type=int, default=32, help="retailers, and as many checkouts")
    parser.add_argument("--profile", default="", help="processes to profile with py-spy during each flow, e.g. valuation,gateway")
    parser.add_argument("--scaled", action="store_true", help="make run-scaled (PostgreSQL, Redis) instead of the embedded default")
    args = parser.parse_args()
    ensure_tools("wrk")
    work = Path(tempfile.mkdtemp(prefix="bench-writes-"))
    partners = Partners(args.partners)
    env = LIMITS | {"PARTNERS_FILE": str(partners.write(work / "partners.json"))}
    stack: EmbeddedStack | ScaledStack = ScaledStack(work / "var", env) if args.scaled else EmbeddedStack(work / "var", env)
    bench = Bench(stack, work, partners, args.seconds, args.connections)
    bench.profiled = [name for name in args.profile.split(",") if name]
    if bench.profiled and not (Path(sys.executable).parent / "py-spy").exists():
        sys.exit("--profile needs py-spy in this virtualenv: .venv/bin/pip install py-spy (a profiling tool, not a project dependency)")
    try:
        stack.start()
        wait_ready(stack, bench)
        quiesce(stack.pids())
        memory_before = {n: resident_mb(p) for n, p in stack.pids().items()}
        print(f"{'scaled' if args.scaled else 'embedded'} stack, {args.connections} connections, {args.seconds:.0f} s a flow", flush=True)
        wrk(stack.gateway_url + CATALOG_PATH, 2, args.connections)  # warm-up
        first, _ = bench.measure("catalog read")
        size = bench.pool_size(first.run.rps)
        bench.measure("plan sale", bench.plan_sales(size))
        _, quotes = bench.measure("quote creation", bench.quotes(size), capture=True)
        # Quotes kept back for accept → coupon visible (fewer accepts there if quoting was slow).
        reserved = min(int(args.rate * args.latency_seconds), len(quotes) // 3)
        if len(quotes) < 10:
            raise SystemExit(f"only {len(quotes)} quotes were created")
        later, quotes = quotes[:reserved], quotes[reserved:]
        _, exchanges = bench.measure("quote accept", [accept(q, a) for q, a in quotes], capture=True)
        coupons = asyncio.run(coupons_of(stack.gateway_url, [account for _, account in exchanges]))
        print(f"  {len(coupons)} of {len(exchanges)} accepted exchanges have their coupon", flush=True)
        # Coupons are only as many as the accepts made: if redeeming outpaces accepting, the run ends when
        # they are spent (replay.lua stops and takes the pace over the time they lasted).
        bench.measure("coupon redemption", bench.redemptions(coupons))
        last, _ = bench.measure("catalog read")
        if not quiesce(stack.pids(), timeout=120):  # the flows' events may still be being consumed
            print("  not settled after 120 s: accept → coupon visible runs against that backlog", flush=True)
        answered: list[float] = []
        latencies, missing, failed = asyncio.run(accept_to_coupon(stack.gateway_url, later, args.rate, answered))
        quiesce(stack.pids())
        memory_after = {n: resident_mb(p) for n, p in stack.pids().items()}
    except BaseException:
        print(f"logs and request files kept in {work}")
        raise
    finally:
        stack.stop()
    shutil.rmtree(work, ignore_errors=True)
    reference = (first.run.rps + last.run.rps) / 2
    names = list(memory_before)
    print(f"\ncatalog read {first.run.rps:.0f} then {last.run.rps:.0f} req/s; ratios to their mean, {reference:.0f}")
    print(f"{'flow':<18} {'req/s':>7} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'bad':>6} {'spent':>5} {'wrk':>6}")
    for flow in bench.flows:
        print(flow.row(reference))
    print("\nCPU ms per request: " + "".join(f"{flow.name[:11]:>12}" for flow in bench.flows))
    for name in names:
        print(f"{name[:19]:<19} " + "".join(f"{flow.cpu_ms.get(name, 0):>12.2f}" for flow in bench.flows))
    if latencies:
        print(f"\naccept → coupon visible under /me/coupons at {args.rate:.0f}/s, {len(later)} accepts: p50 {1000 * statistics.median(latencies):.0f} ms, "
              f"p90 {1000 * percentile(latencies, 0.9):.0f} ms, p99 {1000 * percentile(latencies, 0.99):.0f} ms, max {1000 * max(latencies):.0f} ms, "
              f"missing {missing}, accepts refused {failed}; the accept's own answer p50 {1000 * statistics.median(answered):.0f} ms")
    print("\nresident MB before → after: " + ", ".join(f"{n} {memory_before[n]:.0f} → {memory_after.get(n, 0):.0f}" for n in names))
    results = BENCH_RESULTS / f"write_paths-{'scaled' if args.scaled else 'embedded'}-{time.strftime('%Y%m%dT%H%M%S')}.json"
    results.parent.mkdir(exist_ok=True)
    results.write_text(json.dumps({
        "flows": {f.name + ("" if f is not last else " (after)"): {"rps": f.run.rps, "ratio": f.run.rps / reference, "p50_ms": f.run.p50_ms, "p99_ms": f.run.p99_ms,
                                                                   "non_2xx": f.run.non_2xx, "errors": f.run.errors, "cpu_ms": f.cpu_ms} for f in bench.flows},
        "accept_to_coupon_ms": sorted(1000 * x for x in latencies), "missing": missing, "memory_before": memory_before, "memory_after": memory_after,
    }, indent=1))


BENCH_RESULTS = Path(__file__).resolve().parent / "results"

if __name__ == "__main__":
    main()
