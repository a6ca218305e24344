"""Who may call an API view: a key with the view's scope, from an allowed IP, signed if unsafe.

Views declare `read_scope` (safe methods) and `write_scope` (POST, PUT, PATCH, DELETE). A view
declaring neither is closed to every key: scopes are denied by default.
"""

from __future__ import annotations

import time

from django.conf import settings
from rest_framework import exceptions
from rest_framework.permissions import SAFE_METHODS, BasePermission

from api.addresses import client_ip, ip_allowed
from api.models import SCOPE_PERMISSIONS, ApiKey, SignatureNonce
from api.signing import (
    MAX_NONCE_LENGTH,
    MIN_NONCE_LENGTH,
    NONCE_HEADER,
    SCHEME,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    signature_valid,
    signed_message,
)
from api.throttling import anonymous_throttle_check
from ops.claims import claimed


class Denied(exceptions.PermissionDenied):
    """A refusal with a stable reason code (the problem `type`) for clients and the audit log."""

    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail, code=code)
        self.reason = code


class SignatureRejected(exceptions.AuthenticationFailed):
    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail, code=code)
        self.reason = code


def required_scope(request, view) -> str | None:
    if request.method in SAFE_METHODS:
        return getattr(view, "read_scope", None)
    return getattr(view, "write_scope", None)


class ScopePermission(BasePermission):
    def has_permission(self, request, view) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            anonymous_throttle_check(request)
            return False  # DRF answers 401: no credentials
        if request.method.lower() not in view.http_method_names or not hasattr(
            view, request.method.lower()
        ):
            return True  # the view answers 405 Method Not Allowed
        scope = required_scope(request, view)
        if scope is None or scope not in api_key.scopes:
            raise Denied(
                f"this key lacks the scope {scope!r} needed to {request.method} this resource"
                if scope
                else f"{request.method} is not open to API keys here",
                code="scope",
            )
        # The owner's role bounds the key on every request: a permission taken away from the
        # owner is gone from their keys at once.
        needed = SCOPE_PERMISSIONS.get(scope, ())
        if not request.user.has_perms(needed):
            raise Denied(
                f"this key's owner no longer holds {' and '.join(needed)}, which the scope "
                f"{scope!r} needs: a key can do no more than its owner",
                code="owner_role",
            )
        ip = client_ip(request)
        if api_key.allowed_ips and not ip_allowed(ip, api_key.allowed_ips):
            raise Denied(f"{ip} is not in this key's IP allowlist", code="ip_not_allowed")
        if request.method not in SAFE_METHODS:
            signature_check(request, api_key)
        return True


def _header(request, name: str) -> str:
    value = request.headers.get(name, "").strip()
    if not value:
        raise SignatureRejected(
            f"{name} header missing: every POST, PATCH and DELETE must be signed "
            f"({TIMESTAMP_HEADER}, {NONCE_HEADER}, {SIGNATURE_HEADER})",
            code="signature_missing",
        )
    return value


def signature_check(request, api_key: ApiKey) -> None:
    """Verify the Ed25519 signature, the timestamp window and the nonce's single use."""
    timestamp, nonce, signature = (
        _header(request, name) for name in (TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER)
    )
    window = settings.API_SIGNATURE_WINDOW_SECONDS
    # isdigit() alone accepts "²" and other digits int() cannot read; ASCII, and bounded.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        raise SignatureRejected(
            f"{TIMESTAMP_HEADER}={timestamp[:40]!r} must be Unix time in whole seconds",
            code="signature_timestamp",
        )
    skew = int(timestamp) - int(time.time())
    if abs(skew) > window:
        raise SignatureRejected(
            f"{TIMESTAMP_HEADER}={timestamp} is {abs(skew)} s "
            f"{'ahead of' if skew > 0 else 'behind'} the server clock; the window is ±{window} s",
            code="signature_stale",
        )
    if not MIN_NONCE_LENGTH <= len(nonce) <= MAX_NONCE_LENGTH or not nonce.isprintable():
        raise SignatureRejected(
            f"{NONCE_HEADER} must be {MIN_NONCE_LENGTH}-{MAX_NONCE_LENGTH} printable characters "
            f"(got {len(nonce)})",
            code="signature_nonce",
        )
    if not api_key.public_key:
        raise SignatureRejected(
            "this key has no registered Ed25519 public key, so it cannot sign writes",
            code="signature_no_public_key",
        )
    message = signed_message(
        key_id=api_key.key_id,
        host=request.get_host(),
        timestamp=timestamp,
        nonce=nonce,
        method=request.method,
        path=request.path,
        query=request.META.get("QUERY_STRING", ""),
        body=request.body,
    )
    if not signature_valid(api_key.public_key, signature, message):
        raise SignatureRejected(
            f"{SIGNATURE_HEADER} does not verify against this key's public key for the "
            f"{SCHEME} message (scheme, key id, host, timestamp, nonce, METHOD, path?query, "
            "sha256(body); see api/SIGNING.md)",
            code="signature_invalid",
        )
    nonce_use(api_key=api_key, nonce=nonce)


def nonce_use(*, api_key: ApiKey, nonce: str) -> None:
    """Record the nonce; the unique constraint makes a second use fail even across processes.
    One statement (ops.claims); celery beat deletes the nonces whose timestamps can no longer
    be accepted (api.services.api_records_prune)."""
    if not claimed(SignatureNonce(api_key=api_key, nonce=nonce), unique=("api_key", "nonce")):
        raise SignatureRejected(
            f"{NONCE_HEADER} {nonce[:40]!r} was already used: this looks like a replay",
            code="signature_replayed",
        )
