"""Browser tests: Playwright for Python drives Debian's Chromium against pytest-django's live
server (a real HTTP server on a transactional test database). No browser is ever downloaded:
without /usr/bin/chromium (`apt-get install chromium`) or Playwright the tests skip."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from diligence.rescoring import assessments_refresh
from tests.factories import OfferingFactory, VenueFactory, full_offering

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
# The password tests.factories.UserFactory gives every user.
PASSWORD = "correct horse battery staple"  # pragma: allowlist secret
# Every wait fails after this long: a live server on this machine answers in milliseconds.
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.is_file():
        pytest.skip(f"{CHROMIUM} not found: install Debian's Chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install --group dev)")
    expect.set_options(timeout=TIMEOUT_MS)
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are still synchronous, so Django's async guard must stand aside.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser tab (own cookies) on the live server; fails the test on a script error."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    script_errors: list[str] = []
    tab.on("pageerror", lambda error: script_errors.append(str(error)))
    yield tab
    context.close()
    assert not script_errors, f"JavaScript errors on the page: {script_errors}"


@pytest.fixture
def analyst_page(page, analyst):
    """Signed in as `analyst` through the real sign-in form."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/offerings/")
    return page


@pytest.fixture
def offerings(transactional_db) -> dict:
    """Three scored offerings of different kinds, by slug."""
    venue = VenueFactory(name="Northgate Exchange", slug="northgate-exchange")
    created = [
        full_offering(name="Helix Grid", slug="helix-grid", symbol="HLX", kind="ico"),
        full_offering(name="Umbra Link", slug="umbra-link", symbol="UMB", kind="ieo", venue=venue),
        OfferingFactory(
            name="Quartz Ledger",
            slug="quartz-ledger",
            symbol="QRT",
            kind="sto",
            whitepaper_url="",
            website="",
            legal_entity="",
        ),
    ]
    assessments_refresh()
    return {offering.slug: offering for offering in created}


@pytest.fixture
def screenshot() -> Callable[..., Path]:
    """Save the whole page as tests/browser/screenshots/<name>.png (git-ignored), every run."""

    def save(page, name: str) -> Path:
        SCREENSHOTS.mkdir(exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save
