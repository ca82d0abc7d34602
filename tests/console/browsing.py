"""What every console test checks in the browser besides its own flow: labels, width, and no script or CSP errors."""

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported for types only: without Playwright the tests skip rather than fail to import
    from playwright.sync_api import Page

# Controls a screen reader cannot name: inputs without a label, buttons without text.
UNNAMED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((e) => e.tagName === 'BUTTON' ? !e.textContent.trim() && !e.getAttribute('aria-label')
                                        : !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map((e) => e.outerHTML.slice(0, 120))"""


class Watched:
    """A page whose script errors and Content-Security-Policy refusals are collected as they happen."""

    def __init__(self, page: "Page", artifacts: Path) -> None:
        self.page = page
        self.artifacts = artifacts
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        # "Failed to load resource" is Chromium noting an API's 4xx, which the console shows as a problem on purpose.
        page.on("console", lambda message: self._console(message.type, message.text))

    def _console(self, kind: str, text: str) -> None:
        if kind == "error" and not text.startswith("Failed to load resource"):
            self.errors.append(text)

    def check(self, name: str) -> None:
        """Labels, nothing wider than the screen, no error so far; then a screenshot under test-artifacts."""
        assert self.page.evaluate(UNNAMED_CONTROLS) == []
        # Against the screen's width, not innerWidth: a mobile browser widens its layout to fit what overflows.
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert self.page.viewport_size is not None and width <= self.page.viewport_size["width"], f"the page is {width}px wide"
        assert self.errors == []
        self.page.screenshot(path=str(self.artifacts / f"{name}.png"), full_page=True)


def sign_in(page: "Page", gateway_url: str, account: str, role: str = "Customer") -> None:
    """The embedded default's development sign-in, by keyboard: type, choose, press Enter."""
    page.goto(f"{gateway_url}/console/")
    page.get_by_role("heading", name="Sign in", exact=True).wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"  # the first stop for a keyboard
    page.get_by_label("Account id").fill(account)
    page.get_by_label(role, exact=True).check()
    page.get_by_label("Account id").press("Enter")


def requests_to(page: "Page", path: str) -> list[Any]:
    sent: list[Any] = []
    page.on("request", lambda request: sent.append(request) if path in request.url and request.method == "POST" else None)
    return sent
