"""End-to-end: the shared platform of tests/conftest.py, and polling for eventual effects."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def poll(check: Callable[[], T], timeout: float = 30.0, interval: float = 0.2) -> T:
    """Call `check` until it returns something truthy, or fail at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s; last: {result!r}")
        time.sleep(interval)
