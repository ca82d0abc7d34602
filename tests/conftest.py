"""Cross-service tests share one platform: the processes `make run` starts, on free ports, with a scratch data directory."""

from collections.abc import Iterator

import httpx
import pytest

from launcher.stack import Stack
from launcher.testing import RunningStack


@pytest.fixture(scope="session")
def platform(tmp_path_factory) -> Iterator[RunningStack]:
    running = RunningStack(tmp_path_factory.mktemp("var"))
    try:
        running.start_all()
        yield running
    finally:
        running.stop_all()


@pytest.fixture(scope="session")
def stack(platform: RunningStack) -> Stack:
    return platform.stack


@pytest.fixture(scope="session")
def api(stack: Stack):
    with httpx.Client(base_url=f"http://127.0.0.1:{stack.gateway_port}", timeout=10) as client:
        yield client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `runs_last` (the schema fuzz writes as ops; the log scan reads every log) run after the rest."""
    items.sort(key=lambda item: item.get_closest_marker("runs_last") is not None)
