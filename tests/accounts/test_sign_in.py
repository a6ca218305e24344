"""Sign-in protection: lock-out per account and per address, MFA for staff and approvers,
session limits and the security headers."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Group
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import SESSION_SEEN, SESSION_STARTED
from api.models import AuditEvent
from tests.conftest import otp_verified_login, with_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
PASSWORD = "correct horse battery staple"  # pragma: allowlist secret


def _guess(client, url: str, username: str, address: str = "198.51.100.7"):
    data = {"username": username, "password": "wrong guess"}  # pragma: allowlist secret
    return client.post(url, data, REMOTE_ADDR=address)


@pytest.mark.parametrize("url", [LOGIN, ADMIN_LOGIN])
def test_repeated_wrong_passwords_lock_the_account_and_record_an_audit_event(client, url):
    """Regression: 100 wrong passwords met no delay."""
    UserFactory(username="target")
    for _ in range(5):
        _guess(client, url, "target")
    locked = client.post(url, {"username": "target", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    event = AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT).first()
    assert "target" in event.reason and event.path == url


def test_one_address_guessing_many_accounts_is_locked_out(client):
    for number in range(5):
        _guess(client, LOGIN, f"user{number}", address="203.0.113.9")
    UserFactory(username="innocent")
    data = {"username": "innocent", "password": PASSWORD}
    assert client.post(LOGIN, data, REMOTE_ADDR="203.0.113.9").status_code == 429
    assert client.post(LOGIN, data, REMOTE_ADDR="192.0.2.1").status_code == 302


def test_there_is_no_password_reset_form_to_abuse(client):
    assert client.get("/accounts/password_reset/").status_code == 404


def test_an_approver_must_enrol_and_pass_totp_before_using_the_site(client):
    approver = with_role(UserFactory(username="appr"), "approver")
    client.force_login(approver)
    response = client.get("/offerings/")
    assert response.status_code == 302 and response.url.startswith("/accounts/mfa/")
    page = client.get(response.url)
    assert b"<svg" in page.content and b"Secret:" in page.content
    device = TOTPDevice.objects.get(user=approver, confirmed=False)
    assert client.post("/accounts/mfa/", {"token": "000000"}).status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # a failed code delays the next try (django-otp's throttling)
    code = f"{totp(device.bin_key):06d}"
    assert client.post("/accounts/mfa/", {"token": code, "next": "/offerings/"}).url == (
        "/offerings/"
    )
    assert client.get("/offerings/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_the_api_key_pages_come_after_the_mfa_step(client):
    """A key made on /api/keys/ can do what its owner can: making one must not skip the second
    factor that every other page of the owner asks for (the API's endpoints are exempt: they
    take keys, not sessions)."""
    from api.models import ApiKey

    approver = with_role(UserFactory(username="appr-keys"), "approver")
    client.force_login(approver)
    for response in (
        client.get("/api/keys/"),
        client.post("/api/keys/", {"name": "sneaky", "scopes": ["offerings:read"]}),
    ):
        assert response.status_code == 302 and response.url.startswith("/accounts/mfa/")
    assert not ApiKey.objects.filter(user=approver).exists()
    assert client.get("/api/v1/offerings/").status_code == 401  # a key's business, not MFA's


def test_a_session_past_its_lifetime_cannot_reach_the_api_key_pages(client, analyst, settings):
    client.force_login(analyst)
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - settings.OFFERWATCH_SESSION_HOURS * 3600 - 5
    session.save()
    response = client.get("/api/keys/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_an_analyst_needs_no_second_factor(client, analyst):
    client.force_login(analyst)
    assert client.get("/offerings/").status_code == 200


def test_the_admin_refuses_a_staff_session_without_otp(client, staff):
    client.force_login(staff)
    assert client.get("/admin/").status_code == 302
    otp_verified_login(client, staff)
    assert client.get("/admin/").status_code == 200


def test_a_session_ends_after_its_absolute_lifetime(client, analyst, settings):
    client.force_login(analyst)
    session = client.session
    session[SESSION_STARTED] = int(time.time()) - settings.OFFERWATCH_SESSION_HOURS * 3600 - 5
    session.save()
    response = client.get("/offerings/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_a_staff_session_ends_after_idling(staff_client, settings):
    session = staff_client.session
    session[SESSION_STARTED] = int(time.time())
    session[SESSION_SEEN] = int(time.time()) - settings.OFFERWATCH_STAFF_IDLE_MINUTES * 60 - 5
    session.save()
    response = staff_client.get("/offerings/")
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_the_api_neither_ends_nor_refreshes_a_browser_session(staff_client, settings):
    seen = int(time.time()) - settings.OFFERWATCH_STAFF_IDLE_MINUTES * 60 - 5
    session = staff_client.session
    session[SESSION_STARTED], session[SESSION_SEEN] = int(time.time()), seen
    session.save()
    # The API authenticates keys, not sessions: no sign-in redirect, the session left alone.
    assert staff_client.get("/api/v1/offerings/").status_code == 401
    assert staff_client.session[SESSION_SEEN] == seen
    assert staff_client.get("/offerings/").url.startswith("/accounts/login/")


def test_pages_carry_a_csp_without_inline_script_and_the_other_headers(client, analyst):
    client.force_login(analyst)
    response = client.get("/offerings/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    body = response.content.decode()
    assert "<script>" not in body and "hx-headers" not in body and "hx-on" not in body
    assert '"allowEval": false' in body and 'name="csrf-token"' in body


def test_the_csrf_cookie_is_http_only(client, settings):
    assert settings.CSRF_COOKIE_HTTPONLY is True
    response = client.get(LOGIN)
    assert response.cookies["csrftoken"]["httponly"]


def test_the_user_admin_shows_and_filters_by_role(staff_client, analyst, viewer):
    analysts = Group.objects.get(name="analyst")
    response = staff_client.get(f"/admin/auth/user/?groups__id__exact={analysts.pk}")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"/admin/auth/user/{analyst.pk}/change/" in page
    assert f"/admin/auth/user/{viewer.pk}/change/" not in page
    everyone = staff_client.get("/admin/auth/user/").content.decode()
    assert "superuser" in everyone and "viewer" in everyone
