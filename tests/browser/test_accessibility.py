"""axe-core (bundled with axe-playwright-python, never downloaded) over every page an analyst or
a staff member opens: no serious or critical accessibility violation."""

from __future__ import annotations

import pytest

from tests.browser.test_csp_pages import _session_of
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

axe_playwright = pytest.importorskip(
    "axe_playwright_python.sync_playwright",
    reason="axe-playwright-python is not installed (pip install --group dev)",
)

ANALYST_PAGES = [
    "/",
    "/offerings/",
    "/offerings/?sort=-score&kind=ico",
    "/offerings/helix-grid/",
    "/offerings/umbra-link/",
    "/compare/?o=helix-grid&o=umbra-link",
    "/methodology/",
    "/track-record/",
    "/venues/",
    "/venues/northgate-exchange/",
    "/watchlist/",
    "/notifications/",
    "/unlocks/",
    "/settings/",
    "/api/keys/",
]
STAFF_PAGES = [
    "/admin/",
    "/admin/offerings/offering/",
    "/admin/offerings/offering/?risk=high",
]
BLOCKING = {"serious", "critical"}


def _blocking_violations(page, path: str) -> list[str]:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    results = axe_playwright.Axe().run(page)
    return [
        f"{path}: {violation['id']} ({violation['impact']}) on "
        + ", ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def test_no_analyst_page_has_a_serious_accessibility_violation(analyst_page, offerings):
    found = [v for path in ANALYST_PAGES for v in _blocking_violations(analyst_page, path)]
    assert found == [], "\n".join(found)


def test_no_admin_page_has_a_serious_accessibility_violation(page, live_server, offerings):
    staff = UserFactory(username="a11y-staff", is_staff=True, is_superuser=True)
    _session_of(page, live_server, staff, verified=True)
    offering_id = offerings["helix-grid"].pk
    paths = [*STAFF_PAGES, f"/admin/offerings/offering/{offering_id}/change/"]
    found = [v for path in paths for v in _blocking_violations(page, path)]
    assert found == [], "\n".join(found)
