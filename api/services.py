"""API key actions (create, roll, revoke, record use) and the audit log they write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.auth_cache import auth_changed
from api.addresses import networks_parse
from api.keys import key_digest, key_generate, new_key_id
from api.models import (
    OPEN_ALLOWLIST_PERMISSION,
    SCOPE_PERMISSIONS,
    WRITE_SCOPES,
    ApiKey,
    AuditEvent,
    IdempotentReply,
    Scope,
    SignatureNonce,
    scopes_beyond_owner,
)
from api.signing import public_key_load, public_key_text

# How stale last_used_at may get: recording every request would be a write per read.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def audit_record(
    *,
    action: str,
    api_key: ApiKey | None = None,
    key_id: str = "",
    actor: Any = None,
    ip: str | None = None,
    method: str = "",
    path: str = "",
    reason: str = "",
) -> AuditEvent:
    """Append one entry to the audit log."""
    return AuditEvent.objects.create(
        action=action,
        api_key=api_key,
        key_id=api_key.key_id if api_key else key_id[:8],
        actor=actor if getattr(actor, "pk", None) else None,
        ip=ip or None,
        method=method[:10],
        path=path[:500],
        reason=reason[:500],
    )


def _scopes_clean(scopes: Iterable[str]) -> list[str]:
    wanted = [str(scope).strip() for scope in scopes if str(scope).strip()]
    unknown = [scope for scope in wanted if scope not in Scope.values]
    if unknown:
        raise ValidationError(
            {"scopes": f"{', '.join(unknown)}: not a scope; choose from {', '.join(Scope.values)}"}
        )
    if not wanted:
        raise ValidationError({"scopes": "a key needs at least one scope (none are granted)"})
    return [scope for scope in Scope.values if scope in wanted]


def _expiry(days: int) -> dt.datetime:
    limit = settings.API_KEY_MAX_EXPIRY_DAYS
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= limit:
        raise ValidationError({"expires_in_days": f"{days!r}: must be from 1 to {limit} days"})
    return timezone.now() + dt.timedelta(days=days)


def _public_key_clean(public_key: str | None) -> str:
    if not public_key:
        return ""
    try:
        return public_key_text(public_key_load(public_key))
    except ValueError as exc:
        raise ValidationError({"public_key": f"{public_key[:60]!r}: {exc}"}) from None


def _key_new(**fields: Any) -> tuple[ApiKey, str]:
    """Insert a key with a fresh id (retrying the rare id collision) and return its plaintext."""
    for _ in range(5):
        key_id = new_key_id()
        plaintext = key_generate(env=settings.API_KEY_ENV, key_id=key_id)
        api_key = ApiKey(key_id=key_id, env=settings.API_KEY_ENV, digest=key_digest(plaintext))
        for name, value in fields.items():
            setattr(api_key, name, value)
        api_key.full_clean(validate_constraints=False, validate_unique=False)
        try:
            with transaction.atomic():
                api_key.save()
        except IntegrityError:
            if ApiKey.objects.filter(key_id=key_id).exists():
                continue
            raise ValidationError(
                {"name": f"{fields['name']!r}: you already have a key with this name"}
            ) from None
        return api_key, plaintext
    raise RuntimeError("could not find a free key id")  # 36**8 ids: practically unreachable


def api_key_create(
    *,
    user: Any,
    name: str,
    scopes: Iterable[str],
    expires_in_days: int | None = None,
    allowed_ips: Iterable[str] = (),
    public_key: str | None = None,
    actor: Any = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns it and its plaintext, which is shown once and never stored.

    Scopes are denied unless listed. Write scopes need an IP allowlist and an Ed25519 public
    key (writes are signed). Expiry is mandatory: default 90 days, at most a year.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "a key needs a name, e.g. 'ci-importer'"})
    scopes = _scopes_clean(scopes)
    expires_at = _expiry(
        settings.API_KEY_DEFAULT_EXPIRY_DAYS if expires_in_days is None else expires_in_days
    )
    networks = networks_parse(allowed_ips)
    key_text = _public_key_clean(public_key)
    beyond = scopes_beyond_owner(user, scopes)
    if beyond:
        raise ValidationError(
            {
                "scopes": f"{', '.join(beyond)}: your role does not allow it (needs "
                + "; ".join(" and ".join(SCOPE_PERMISSIONS[scope]) for scope in beyond)
                + "); a key can do no more than its owner"
            }
        )
    writes = sorted(set(scopes) & WRITE_SCOPES)
    open_networks = [network for network in networks if network.endswith("/0")]
    if writes and open_networks and not user.has_perm(OPEN_ALLOWLIST_PERMISSION):
        raise ValidationError(
            {
                "allowed_ips": f"{', '.join(open_networks)}: a key with write scopes "
                f"({', '.join(writes)}) may not be usable from every address; list your "
                f"networks (an admin can grant {OPEN_ALLOWLIST_PERMISSION} to allow it)"
            }
        )
    keys_held = ApiKey.objects.filter(user=user).current().usable().count()
    if keys_held >= settings.API_KEYS_PER_USER:
        raise ValidationError(
            {
                "name": f"you already hold {keys_held} active keys, the most a user may "
                f"(API_KEYS_PER_USER={settings.API_KEYS_PER_USER}); revoke one first"
            }
        )
    if writes and not networks:
        raise ValidationError(
            {"allowed_ips": f"write scopes ({', '.join(writes)}) need an IP allowlist"}
        )
    if writes and not key_text:
        raise ValidationError(
            {"public_key": f"write scopes ({', '.join(writes)}) need an Ed25519 public key"}
        )
    with transaction.atomic():
        api_key, plaintext = _key_new(
            user=user,
            name=name,
            scopes=scopes,
            expires_at=expires_at,
            allowed_ips=networks,
            public_key=key_text,
        )
        audit_record(action=AuditEvent.Action.CREATED, api_key=api_key, actor=actor or user)
    return api_key, plaintext


def api_key_roll(
    *,
    api_key: ApiKey,
    overlap: dt.timedelta = dt.timedelta(hours=24),
    expires_in_days: int | None = None,
    actor: Any = None,
) -> tuple[ApiKey, str]:
    """Issue a successor with the same name, scopes, allowlist and public key; the old key
    keeps working for `overlap` (0 to 7 days), then expires."""
    limit = dt.timedelta(days=settings.API_KEY_MAX_OVERLAP_DAYS)
    if not dt.timedelta(0) <= overlap <= limit:
        hours = overlap.total_seconds() / 3600
        raise ValidationError({"overlap": f"{hours:g} hours: must be from 0 to {limit.days * 24}"})
    now = timezone.now()
    with transaction.atomic():
        old = ApiKey.objects.select_for_update().get(pk=api_key.pk)
        if old.revoked_at or old.rolled_at or old.expires_at <= now:
            raise ValidationError(
                {"api_key": f"{old.prefix} is {old.state}: only an active key can be rolled"}
            )
        if expires_in_days is None:
            lifetime = (old.expires_at - old.created_at).days or 1
            expires_in_days = min(lifetime, settings.API_KEY_MAX_EXPIRY_DAYS)
        old.rolled_at = now
        old.expires_at = min(old.expires_at, now + overlap)
        old.save(update_fields=["rolled_at", "expires_at"])
        new, plaintext = _key_new(
            user=old.user,
            name=old.name,
            scopes=old.scopes,
            expires_at=_expiry(expires_in_days),
            allowed_ips=old.allowed_ips,
            public_key=old.public_key,
            rolled_from=old,
        )
        audit_record(
            action=AuditEvent.Action.ROLLED,
            api_key=new,
            actor=actor,
            reason=f"successor of {old.prefix}; "
            f"the old key works until {old.expires_at:%Y-%m-%d %H:%M} UTC",
        )
    return new, plaintext


def api_key_revoke(*, api_key: ApiKey, actor: Any = None) -> int:
    """Revoke the key at once, with any predecessor still in its roll-over overlap.

    Returns how many keys were revoked (0 when already revoked)."""
    now = timezone.now()
    chain = []
    key: ApiKey | None = api_key
    while key is not None:
        chain.append(key.pk)
        key = key.rolled_from
    with transaction.atomic():
        revoked = ApiKey.objects.filter(pk__in=chain, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if revoked:
            auth_changed()  # an update sends no signal: every process reads its keys afresh
            audit_record(
                action=AuditEvent.Action.REVOKED,
                api_key=api_key,
                actor=actor,
                reason=f"{revoked} key(s) revoked",
            )
    api_key.refresh_from_db(fields=["revoked_at"])
    return revoked


def api_key_used(*, api_key: ApiKey, ip: str) -> None:
    """Record a use; writes at most once a minute per key (or when the address changes)."""
    now = timezone.now()
    last = api_key.last_used_at
    if last and now - last < LAST_USED_RESOLUTION and api_key.last_used_ip == ip:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now, last_used_ip=ip or None)
    api_key.last_used_at, api_key.last_used_ip = now, ip


def api_keys_unused(*, days: int | None = None):
    """Usable keys not used for `days` (default API_KEY_UNUSED_DAYS), oldest use first."""
    since = timezone.now() - dt.timedelta(days=days or settings.API_KEY_UNUSED_DAYS)
    return (
        ApiKey.objects.unused_since(since)
        .select_related("user")
        .order_by("last_used_at", "created_at")
    )


def audit_events_prune(*, days: int | None = None) -> int:
    """Delete audit-log entries older than `days` (default API_AUDIT_RETENTION_DAYS)."""
    cutoff = timezone.now() - dt.timedelta(days=days or settings.API_AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


# Whole-second rounding of the signed timestamps: a nonce is kept this much longer.
NONCE_RETENTION_SLACK = 2


def api_records_prune() -> tuple[int, int]:
    """Delete the nonces no signed request can be replayed with any more and the idempotent
    replies past their 24 hours (celery beat, every API_RECORDS_PRUNE_SECONDS)."""
    now = timezone.now()
    # A timestamp is accepted up to the window either side of the clock, so a nonce can be
    # replayed for twice the window after its first use.
    window = dt.timedelta(seconds=NONCE_RETENTION_SLACK + 2 * settings.API_SIGNATURE_WINDOW_SECONDS)
    nonces, _ = SignatureNonce.objects.filter(created_at__lt=now - window).delete()
    ttl = dt.timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    replies, _ = IdempotentReply.objects.filter(created_at__lt=now - ttl).delete()
    return nonces, replies
