"""What every console test checks in the browser besides its own flow: labels, contrast, width, and no script or CSP errors."""

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported for types only: without Playwright the tests skip rather than fail to import
    from playwright.sync_api import Page

# Controls a screen reader cannot name: inputs without a label, buttons without text.
UNNAMED_CONTROLS = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter((e) => e.tagName === 'BUTTON' ? !e.textContent.trim() && !e.getAttribute('aria-label')
                                        : !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
  .map((e) => e.outerHTML.slice(0, 120))"""

# Text whose colour has less than WCAG AA contrast with the background it is drawn on (4.5:1; 3:1 for large
# text). The background is the nearest ancestor's opaque one; each element is judged by its own direct text.
LOW_CONTRAST = """() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const backgroundOf = (e) => {
    for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || c[3] > 0) return c.slice(0, 3); }
    return [255, 255, 255];
  };
  const low = [];
  for (const e of document.querySelectorAll('body *')) {
    const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(e);
    if (!own || style.visibility === 'hidden' || style.display === 'none' || !e.getClientRects().length) continue;
    const [a, b] = [lum(rgb(style.color).slice(0, 3)), lum(backgroundOf(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const large = parseFloat(style.fontSize) >= 24 || (parseFloat(style.fontSize) >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) low.push(`${ratio.toFixed(2)}:1 ${e.tagName} "${e.textContent.trim().slice(0, 40)}"`);
  }
  return low;
}"""


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
        assert self.page.evaluate(LOW_CONTRAST) == []
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
