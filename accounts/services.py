"""Sign-in protection: lock-outs in the audit log, TOTP enrolment and verification, sessions."""

from __future__ import annotations

import time
from base64 import b32encode
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from api.addresses import client_ip
from api.models import AuditEvent
from api.services import audit_record

SESSION_STARTED = "ow_session_started"
SESSION_SEEN = "ow_session_seen"
APPROVE_PERMISSION = "diligence.approve_offeringreview"


def mfa_required(user: Any) -> bool:
    """Staff and approvers must pass a TOTP check in every session."""
    return bool(user.is_authenticated and (user.is_staff or user.has_perm(APPROVE_PERMISSION)))


def lockout_record(sender, request=None, username: str = "", ip_address: str = "", **kwargs):
    """One audit event per lock-out (django-axes' user_locked_out signal)."""
    audit_record(
        action=AuditEvent.Action.LOCKED_OUT,
        ip=ip_address or (client_ip(request) if request is not None else None),
        method=getattr(request, "method", "") or "",
        path=getattr(request, "path", "") or "",
        reason=f"sign-in locked out after {settings.AXES_FAILURE_LIMIT} failures "
        f"(username {str(username or '')[:150]!r})",
    )


def session_start(sender, request, user, **kwargs) -> None:
    """Stamp the session's start: it ends OFFERWATCH_SESSION_HOURS later, however active."""
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now


def totp_device_pending(*, user: Any) -> TOTPDevice:
    """The user's unconfirmed authenticator being enrolled (created on first visit)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The base32 secret to type into an authenticator app."""
    return b32encode(device.bin_key).decode()


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no script, no third-party service)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def totp_verify(*, request, token: str) -> bool:
    """Check a 6-digit code against the user's authenticators (confirming one being enrolled)
    and mark the session as MFA-verified on success. Failed codes are throttled by django-otp."""
    token = (token or "").strip().replace(" ", "")
    if not token.isdigit():
        return False
    user = request.user
    confirmed = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    candidates = confirmed or list(TOTPDevice.objects.filter(user=user, confirmed=False))
    for device in candidates:
        if device.verify_is_allowed()[0] and device.verify_token(token):
            if not device.confirmed:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
            otp_login(request, device)
            return True
    return False
