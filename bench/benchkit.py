"""What every bench shares: the load tools (wrk, nginx), wrk runs and their figures, and per-process CPU and memory.

The machine is shared and noisy, so the benches print ratios within one run and CPU per request
(from /proc), which hold still where requests/s do not.
"""

import os
import re
import resource
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

BENCH = Path(__file__).resolve().parent
REPLAY = BENCH / "replay.lua"
TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
APT_PACKAGES = {"wrk": "wrk", "nginx": "nginx-light"}


def ensure_tools(*tools: str) -> None:
    """Install what is missing from Debian's packages where we may (root, or sudo without a password); else say what to run."""
    missing = [tool for tool in tools if not _which(tool)]
    if not missing:
        return
    packages = [APT_PACKAGES[tool] for tool in missing]
    apt = shutil.which("apt-get")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    if apt and (not sudo or subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0):
        print(f"installing {' '.join(packages)} from Debian's packages", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run([*sudo, "apt-get", "update", "-qq"], check=False, env=env, stdout=subprocess.DEVNULL)
        subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *packages], check=False, env=env, stdout=subprocess.DEVNULL)
    still = [tool for tool in missing if not _which(tool)]
    if still:
        raise SystemExit(f"{', '.join(still)} needed: sudo apt-get install {' '.join(APT_PACKAGES[t] for t in still)} (Debian/Ubuntu), brew install {' '.join(still)} (macOS)")


def _which(tool: str) -> str | None:
    return shutil.which(tool) or next((str(p) for p in (Path("/usr/sbin") / tool,) if p.exists()), None)


@dataclass
class WrkRun:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    errors: int
    exhausted: int  # threads of bench/replay.lua that sent all their requests before the time was up
    client_cpu_s: float
    output: str


def wrk(url: str, seconds: float, connections: int, script: Path | None = None, script_args: tuple[str, ...] = ()) -> WrkRun:
    """One wrk run (2 threads); with `script`, the Lua file and the arguments after `--`."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "10s"]
    if script is not None:
        command += ["-s", str(script), url, "--", *script_args]
    else:
        command.append(url)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # bench/replay.lua counts its own answers over the time they took (a spent pool stops early).
    replayed = re.search(r"answered (\d+) span_us (\d+) exhausted (\d+)", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", _line(out, "Socket errors")))
    return WrkRun(
        rps=int(replayed.group(1)) / (int(replayed.group(2)) / 1e6) if replayed and int(replayed.group(2)) else float(_found(r"Requests/sec:\s+([\d.]+)", out)[0]),
        p50_ms=_ms(out, "50%"),
        p99_ms=_ms(out, "99%"),
        requests=int(replayed.group(1)) if replayed else int(_found(r"(\d+) requests in", out)[0]),
        non_2xx=int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0,
        errors=errors,
        exhausted=int(replayed.group(3)) if replayed else 0,
        client_cpu_s=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        output=out,
    )


def _line(out: str, start: str) -> str:
    return next((line for line in out.splitlines() if line.strip().startswith(start)), "")


def _ms(out: str, label: str) -> float:
    value, unit = _found(rf"{label}\s+([\d.]+)(us|ms|s)", out)
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _found(pattern: str, out: str) -> tuple[str, ...]:
    """The groups of `pattern` in wrk's report; a report without it is a failed run."""
    match = re.search(pattern, out)
    if match is None:
        raise RuntimeError(f"wrk printed no {pattern!r}:\n{out}")
    return match.groups()


def wait_ok(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer 200")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (and its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def resident_mb(pid: int) -> float:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE / 2**20


def cpu_of(pids: dict[str, int]) -> dict[str, float]:
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


def quiesce(pids: dict[str, int], timeout: float = 60, idle_share: float = 0.08) -> bool:
    """Wait until background work (relays, consumers) has settled: every process under `idle_share` of a core for a second.

    An idle service is not at zero: its consumer polls the broker (about 2 % of a core) and its relay wakes.
    Returns False when `timeout` passed first (a backlog still being worked through).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        before = cpu_of(pids)
        time.sleep(1.0)
        after = cpu_of(pids)
        if all(after[name] - before[name] < idle_share for name in pids):
            return True
    return False
