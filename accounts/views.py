"""The MFA step: enrol an authenticator app (QR code and secret), then give its code."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.services import totp_device_pending, totp_qr_svg, totp_secret, totp_verify


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


@require_http_methods(["GET", "POST"])
@login_required
def mfa(request):
    """Verify a code from the user's authenticator; without one yet, enrol it first."""
    enrolled = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    error = ""
    if request.method == "POST":
        if totp_verify(request=request, token=request.POST.get("token", "")):
            return redirect(_next(request))
        error = "That code did not match: use the current 6-digit code from your app."
    context = {"enrolled": enrolled, "error": error, "next": _next(request)}
    if not enrolled:
        device = totp_device_pending(user=request.user)
        context |= {"qr_svg": totp_qr_svg(device), "secret": totp_secret(device)}
    response = render(request, "registration/mfa.html", context, status=400 if error else 200)
    response["Cache-Control"] = "no-store"  # the page may carry the secret
    return response
