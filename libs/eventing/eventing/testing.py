"""Test support: a real broker on a free loopback port, started and stopped by PID."""

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

from eventing.broker import broker_command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


def start_broker(port: int) -> subprocess.Popen:
    process = subprocess.Popen(broker_command(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port)
    return process


def stop(process: subprocess.Popen) -> None:
    """Stop a process we started, by its PID."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@contextmanager
def running_broker(port: int | None = None) -> Iterator[str]:
    """A fresh in-memory broker for the block; yields its bootstrap address."""
    port = port or free_port()
    process = start_broker(port)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        stop(process)


async def eventually(check, timeout: float = 30.0, interval: float = 0.1, what: str = "the condition"):  # type: ignore[no-untyped-def]
    """Poll an async check until it returns something truthy (and return that), or fail at the deadline."""
    import asyncio

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {result!r})")
        await asyncio.sleep(interval)


@contextlib.asynccontextmanager
async def running(*workers):  # type: ignore[no-untyped-def]
    """Run workers' `run()` loops for the block, then cancel them."""
    import asyncio

    tasks = [asyncio.create_task(worker.run()) for worker in workers]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
