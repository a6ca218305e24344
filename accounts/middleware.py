"""Session limits, the MFA step for staff and approvers, and the security headers."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from accounts.services import SESSION_SEEN, SESSION_STARTED, mfa_required

# The API's endpoints authenticate keys, never sessions. Not the rest of /api/: the key pages
# (/api/keys/) are session pages that make, roll and revoke keys, and so come after the MFA step
# and within the session limits like any other page (a key made there can do what its owner can).
KEY_AUTHENTICATED = ("/api/v1/", "/api/schema/")
# Reachable before the MFA step: signing in or out, the MFA page itself, static files, and the
# API's endpoints. The admin has its own OTP login (django-otp's OTPAdminSite).
MFA_EXEMPT = (
    "/accounts/",
    "/static/",
    *KEY_AUTHENTICATED,
    "/admin/login/",
    "/admin/logout/",
    "/healthz",
    "/readyz",
    "/metrics",
)


class SessionLimitsMiddleware:
    """Ends a session OFFERWATCH_SESSION_HOURS after sign-in, and a staff session after
    OFFERWATCH_STAFF_IDLE_MINUTES without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(KEY_AUTHENTICATED):  # keys, not sessions: none to limit
            return self.get_response(request)
        user = request.user
        if user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.get(SESSION_STARTED) or now
            seen = session.get(SESSION_SEEN) or now
            expired = now - started > settings.OFFERWATCH_SESSION_HOURS * 3600
            idle = user.is_staff and now - seen > settings.OFFERWATCH_STAFF_IDLE_MINUTES * 60
            if expired or idle:
                logout(request)
                return redirect(f"{reverse('login')}?next={request.path}")
            # A write at most once a minute keeps the idle clock without a save per request.
            if SESSION_STARTED not in session or now - seen >= 60:
                session[SESSION_STARTED], session[SESSION_SEEN] = started, now
        return self.get_response(request)


class MfaRequiredMiddleware:
    """Staff and approvers pass a TOTP check (or enrol an authenticator) before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The path first: it spares exempt requests (the API's) loading a session user.
        if request.path.startswith(MFA_EXEMPT):
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and not user.is_verified() and mfa_required(user):
            return redirect(f"{reverse('mfa')}?next={request.get_full_path()}")
        return self.get_response(request)


class SecurityHeadersMiddleware:
    """Headers Django does not set: Permissions-Policy and Cross-Origin-Resource-Policy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.OFFERWATCH_PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response
