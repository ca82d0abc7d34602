"""The launchers' process supervisor: start programs, restart one that exits, stop all on Ctrl-C.

Small on purpose (honcho, used before, stops everything when one process dies). Each program runs in
its own process group, so a Ctrl-C reaches only the supervisor, which then stops the programs in
order: SIGTERM to the lowest `stop_rank` first (gateways, then APIs, then workers, then the broker),
SIGKILL for any still running after `stop_timeout`; a second Ctrl-C kills at once. A program that
exits while the supervisor runs — crashed, killed, or ended on its own — is logged and started again
after a backoff of 0.5 s doubling to 30 s, reset once it has run `stable_seconds`. The others keep
running. Output lines are prefixed with the program's name; `state_file`, when given, always holds
each program's current pid and restart count (for people and for tests).
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

FIRST_BACKOFF = 0.5
MAX_BACKOFF = 30.0


@dataclass
class Program:
    """One process to keep running."""

    name: str
    command: list[str]
    env: dict[str, str]
    stop_rank: int = 0  # stopped in ascending rank, each rank after the previous has exited
    pass_fds: tuple[int, ...] = ()  # listening sockets the launcher shares with the process
    cwd: Path | None = None


@dataclass
class _Running:
    program: Program
    process: subprocess.Popen | None = None
    started: float = 0.0
    restarts: int = 0
    quick_exits: int = 0
    restart_at: float | None = None
    pumps: list[threading.Thread] = field(default_factory=list)


class Supervisor:
    def __init__(
        self, programs: list[Program], *, state_file: Path | None = None, out: IO[str] | None = None,
        stop_timeout: float = 25.0, stable_seconds: float = 10.0,
    ) -> None:
        self.running = [_Running(program) for program in programs]
        self.state_file = state_file
        self.out = out or sys.stdout
        self.stop_timeout = stop_timeout
        self.stable_seconds = stable_seconds
        self._lock = threading.Lock()
        self._signals: list[int] = []

    def log(self, name: str, line: str) -> None:
        with self._lock:
            self.out.write(f"{time.strftime('%H:%M:%S')} {name:<16} | {line}\n")
            self.out.flush()

    def run(self, started: Callable[[], None] | None = None) -> int:
        """Start everything (then call `started`) and supervise until SIGINT or SIGTERM; then stop all and return 0."""
        previous = {signum: signal.signal(signum, self._on_signal) for signum in (signal.SIGINT, signal.SIGTERM)}
        try:
            for entry in self.running:
                self._start(entry)
            if started is not None:
                started()
            while not self._signals:
                self._tick()
                time.sleep(0.1)
            self.log("supervisor", f"{signal.Signals(self._signals[0]).name}: stopping everything")
            self.stop_all()
            return 0
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _on_signal(self, signum: int, _frame: object) -> None:
        self._signals.append(signum)
        if len(self._signals) > 1:  # asked twice: no more waiting
            for entry in self.running:
                if entry.process is not None and entry.process.poll() is None:
                    entry.process.kill()

    def _tick(self) -> None:
        now = time.monotonic()
        for entry in self.running:
            if entry.process is not None and entry.process.poll() is not None:
                self._exited(entry, now)
            elif entry.process is None and entry.restart_at is not None and now >= entry.restart_at:
                entry.restarts += 1
                self._start(entry)

    def _exited(self, entry: _Running, now: float) -> None:
        assert entry.process is not None
        code = entry.process.returncode
        ran = now - entry.started
        entry.quick_exits = 0 if ran >= self.stable_seconds else entry.quick_exits + 1
        delay = min(MAX_BACKOFF, FIRST_BACKOFF * 2**entry.quick_exits)
        how = _ending(code)
        self.log("supervisor", f"{entry.program.name} (pid {entry.process.pid}) {how} after {ran:.1f} s; restarting in {delay:.1f} s")
        entry.process = None
        entry.restart_at = now + delay
        self._write_state()

    def _start(self, entry: _Running) -> None:
        program = entry.program
        entry.process = subprocess.Popen(
            program.command, env=program.env, cwd=program.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, pass_fds=program.pass_fds, process_group=0,
        )
        entry.started = time.monotonic()
        entry.restart_at = None
        pump = threading.Thread(target=self._pump, args=(program.name, entry.process.stdout), daemon=True)
        pump.start()
        entry.pumps = [p for p in entry.pumps if p.is_alive()] + [pump]
        if entry.restarts:
            self.log("supervisor", f"{program.name} restarted (pid {entry.process.pid}, restart {entry.restarts})")
        self._write_state()

    def _pump(self, name: str, stream: IO[bytes] | None) -> None:
        assert stream is not None
        for raw in stream:
            self.log(name, raw.decode("utf-8", "replace").rstrip("\n"))
        stream.close()

    def stop_all(self) -> None:
        """SIGTERM rank by rank, waiting up to `stop_timeout` for each; SIGKILL what remains."""
        for rank in sorted({entry.program.stop_rank for entry in self.running}):
            group = [e for e in self.running if e.program.stop_rank == rank and e.process is not None and e.process.poll() is None]
            for entry in group:
                assert entry.process is not None
                entry.process.terminate()
            deadline = time.monotonic() + self.stop_timeout
            for entry in group:
                assert entry.process is not None
                try:
                    entry.process.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    self.log("supervisor", f"{entry.program.name} did not stop within {self.stop_timeout:.0f} s; killing it")
                    entry.process.kill()
                    entry.process.wait()
                self.log("supervisor", f"{entry.program.name} stopped: {_ending(entry.process.returncode)}")
        for entry in self.running:
            for pump in entry.pumps:
                pump.join(2)
            entry.process = None
        self._write_state()

    def pids(self) -> dict[str, int | None]:
        return {entry.program.name: entry.process.pid if entry.process is not None else None for entry in self.running}

    def _write_state(self) -> None:
        if self.state_file is None:
            return
        state = {
            "supervisor": os.getpid(),
            "processes": {
                entry.program.name: {"pid": entry.process.pid if entry.process is not None else None, "restarts": entry.restarts}
                for entry in self.running
            },
        }
        temporary = self.state_file.with_suffix(".tmp")
        temporary.write_text(json.dumps(state, indent=1))
        temporary.replace(self.state_file)


def _ending(code: int) -> str:
    """How a process ended, in words (uvicorn re-raises SIGTERM after its graceful shutdown: that ends "on SIGTERM")."""
    if code >= 0:
        return f"exited with code {code}"
    name = signal.Signals(-code).name
    return f"ended on {name}" if -code in (signal.SIGTERM, signal.SIGINT) else f"was killed by {name}"
