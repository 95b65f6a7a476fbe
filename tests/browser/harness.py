"""Driving the portal in the system's Chromium (Debian's ``chromium`` package,
never a browser Playwright downloads): launch flags, axe-core, console and CSP
watching, screenshots at desktop and phone sizes."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Locator, Page, Playwright, ViewportSize

from tests.e2e.stack import ROOT

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / ".browser-screenshots"
DESKTOP = ViewportSize(width=1280, height=800)
PHONE = ViewportSize(width=390, height=844)
# Reported by the page itself, so a violation shows as a console error even where the
# browser would only log it quietly.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""
# The browser logs every HTTP error answer as a console error; an API refusal the page
# shows to the person (a 4xx on /v1) is the behaviour under test, not a fault.
API_REFUSAL = re.compile(r"^Failed to load resource: the server responded with a status of 4\d\d")


def launch(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS, headless=True)


@dataclass
class Watch:
    """Console errors, uncaught exceptions and CSP violations of every page of a context."""

    errors: list[str] = field(default_factory=list)

    def console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        url = message.location.get("url", "")
        if API_REFUSAL.match(message.text) and "/v1/" in url:
            return
        self.errors.append(f"{message.text} ({url})")

    def attach(self, page: Page) -> None:
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def take(self) -> list[str]:
        taken, self.errors = self.errors, []
        return taken


def new_context(browser: Browser, watch: Watch) -> BrowserContext:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True, locale="vi-VN")
    # Injected by the test harness only (init scripts are not subject to the page's CSP);
    # the portal never serves axe-core.
    context.add_init_script(path=str(AXE))
    context.add_init_script(CSP_WATCH)
    context.on("page", watch.attach)
    return context


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    found: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const result = await axe.run(document, { resultTypes: ["violations"] });
          return result.violations.map((v) => ({
            id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
          }));
        }"""
    )
    return [v for v in found if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {json.dumps(violations, ensure_ascii=False, indent=1)}"


def screenshot(page: Page, name: str, show: Locator | None = None) -> list[Path]:
    """The page at 1280×800 and at 390×844 (a phone), in .browser-screenshots/ (git-ignored);
    ``show``: the part of the page to scroll to first."""
    SCREENSHOTS.mkdir(exist_ok=True)
    written = []
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        if show is not None:
            show.evaluate("element => element.scrollIntoView({ block: 'start' })")
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path))
        written.append(path)
    page.set_viewport_size(DESKTOP)
    return written


def unlabelled_controls(page: Page) -> list[str]:
    """Visible form controls without a visible <label> of their own."""
    found: list[str] = page.evaluate(
        """() => [...document.querySelectorAll("input, select, textarea")]
          .filter((c) => c.type !== "hidden" && c.getClientRects().length > 0)
          .filter((c) => ![...c.labels].some((l) => l.getClientRects().length > 0 && l.textContent.trim()))
          .map((c) => c.id || c.name)"""
    )
    return found


def check_page(page: Page, name: str, show: Locator | None = None) -> None:
    """What every page must pass: a language, a visible label for every field, axe-core
    clean (serious/critical), then its screenshots."""
    assert page.evaluate("document.documentElement.lang") in ("vi", "en")
    assert unlabelled_controls(page) == [], page.url
    assert_accessible(page)
    screenshot(page, name, show)
