"""A real browser for the console: Debian's Chromium driven by Playwright (no browser download).

Skipped when Chromium or Playwright is missing on a developer's machine; failed instead under REQUIRE_BROWSER=1
(CI sets it, as `make test` installs Chromium where apt-get can). Screenshots go to var/test-artifacts/console/.
"""

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from launcher.stack import REPO

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = REPO / "var" / "test-artifacts" / "console"


# Per module, not per session: while Playwright's sync API runs, its event loop counts as running in this
# thread, and every later test that calls asyncio.run() would fail.
@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    missing = None
    if not CHROMIUM.exists():
        missing = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    elif importlib.util.find_spec("playwright") is None:
        missing = "Playwright is not installed (requirements-dev.txt)"
    if missing:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"{missing}; REQUIRE_BROWSER=1 requires the browser tests")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        # As root (CI containers) Chromium's sandbox cannot start; everywhere else it stays on.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"] if os.geteuid() == 0 else [])
        try:
            yield browser
        finally:
            browser.close()
