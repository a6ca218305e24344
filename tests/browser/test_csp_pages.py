"""The admin, the API reference and the MFA step work in a real browser under the CSP: no
violation is reported and their scripts run."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import otp_verified_login, with_role
from tests.factories import UserFactory

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install --group dev)"
).expect


def _violations(page) -> list[str]:
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def _session_of(page, live_server, user, *, verified: bool) -> None:
    """Give the browser a session of `user` (OTP-verified when asked), as after sign-in."""
    client = Client()
    if verified:
        otp_verified_login(client, user)
    else:
        client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def test_the_admin_works_under_the_csp(page, live_server, transactional_db, offerings):
    violations = _violations(page)
    staff = UserFactory(username="boss", is_staff=True, is_superuser=True)
    _session_of(page, live_server, staff, verified=True)
    page.goto("/admin/offerings/offering/add/")
    expect(page.locator("#offering_form")).to_be_visible()
    page.get_by_label("Name:").press_sequentially("Kestrel Pay")
    # The admin's own script (prepopulated fields) still runs: the slug follows the name.
    expect(page.locator("#id_slug")).to_have_value("kestrel-pay")
    page.goto("/admin/offerings/offering/")
    expect(page.get_by_text("Helix Grid")).to_be_visible()
    assert violations == []


def test_the_api_reference_renders_under_the_csp(page, live_server, transactional_db):
    violations = _violations(page)
    page.goto("/api/docs/")
    expect(page.locator("#reference section").first).to_be_visible()
    assert violations == []


def test_an_approver_enrols_mfa_in_the_browser(page, live_server, transactional_db):
    violations = _violations(page)
    approver = with_role(UserFactory(username="appr"), "approver")
    _session_of(page, live_server, approver, verified=False)
    page.goto("/offerings/")
    expect(page).to_have_url(f"{live_server.url}/accounts/mfa/?next=/offerings/")
    expect(page.locator("figure.qr svg")).to_be_visible()
    assert violations == []
