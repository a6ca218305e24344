"""API keys, the audit log of key events and denied requests, idempotent replies and nonces."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Scope(models.TextChoices):
    OFFERINGS_READ = "offerings:read", "Read offerings"
    OFFERINGS_WRITE = "offerings:write", "Create, change and delete offerings"
    DILIGENCE_READ = "diligence:read", "Read assessments, findings and reviews"
    DILIGENCE_WRITE = "diligence:write", "Review findings"
    WEBHOOKS_MANAGE = "webhooks:manage", "Manage webhook endpoints"


# Scopes that change data: they need an IP allowlist and a public key for signed requests.
WRITE_SCOPES = frozenset({Scope.OFFERINGS_WRITE, Scope.DILIGENCE_WRITE, Scope.WEBHOOKS_MANAGE})

# What the key's owner must be allowed to do for a key to hold (and use) each scope: checked
# when the key is created and on every request, so a role taken away disarms the keys at once.
SCOPE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    Scope.OFFERINGS_READ: ("offerings.view_offering",),
    Scope.OFFERINGS_WRITE: ("offerings.add_offering", "offerings.change_offering"),
    Scope.DILIGENCE_READ: ("diligence.view_assessment",),
    Scope.DILIGENCE_WRITE: ("diligence.add_findingreview",),
    Scope.WEBHOOKS_MANAGE: ("webhooks.add_webhookendpoint", "webhooks.change_webhookendpoint"),
}
OPEN_ALLOWLIST_PERMISSION = "api.open_allowlist_apikey"


def scopes_beyond_owner(user, scopes) -> list[str]:
    """The scopes in `scopes` that `user`'s permissions (roles) do not cover."""
    return [scope for scope in scopes if not user.has_perms(SCOPE_PERMISSIONS.get(scope, ("-",)))]


class ApiKeyQuerySet(models.QuerySet):
    def usable(self, now=None) -> ApiKeyQuerySet:
        """Keys that authenticate right now: not revoked, not expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)

    def current(self) -> ApiKeyQuerySet:
        """The newest key of each name: neither rolled over nor revoked."""
        return self.filter(rolled_at__isnull=True, revoked_at__isnull=True)

    def unused_since(self, since) -> ApiKeyQuerySet:
        """Usable keys not used since `since` (never-used keys count from their creation)."""
        return self.usable().filter(
            Q(last_used_at__lt=since) | Q(last_used_at__isnull=True, created_at__lt=since)
        )


class ApiKey(models.Model):
    """A machine credential: only the SHA-256 digest of the key is stored, never the key."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100)
    key_id = models.CharField("key id", max_length=8, unique=True)
    env = models.CharField(max_length=10)
    digest = models.CharField("SHA-256 of the key", max_length=64)
    scopes = models.JSONField(default=list)
    allowed_ips = models.JSONField("IP allowlist (CIDR)", default=list, blank=True)
    public_key = models.CharField(
        "Ed25519 public key (base64)",
        max_length=64,
        blank=True,
        help_text="Verifies signed writes.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Rolling creates a successor and lets this key run on until the overlap ends.
    rolled_at = models.DateTimeField(null=True, blank=True)
    rolled_from = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="successor"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_ip = models.GenericIPAddressField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = "API key"
        ordering = ["name", "-created_at"]
        permissions = [
            (
                "open_allowlist_apikey",
                "Can give a key with write scopes an allowlist open to every address (/0)",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name"],
                condition=Q(rolled_at__isnull=True, revoked_at__isnull=True),
                name="one_current_api_key_per_name",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def prefix(self) -> str:
        """The public part of the key, safe to show and log."""
        return f"ow_{self.env}_{self.key_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        if self.is_revoked:
            return "revoked"
        if self.is_expired:
            return "expired"
        return "rolled" if self.rolled_at else "active"


class AuditEvent(models.Model):
    """A key created, rolled or revoked, or a request the API refused."""

    class Action(models.TextChoices):
        CREATED = "created", "Key created"
        ROLLED = "rolled", "Key rolled"
        REVOKED = "revoked", "Key revoked"
        DENIED = "denied", "Request denied"
        LOCKED_OUT = "lockout", "Sign-in locked out"

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    # The id as presented, kept when the key is unknown or deleted.
    key_id = models.CharField(max_length=8, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)
    method = models.CharField(max_length=10, blank=True)
    path = models.CharField(max_length=500, blank=True)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["key_id", "-created_at"])]

    def __str__(self) -> str:
        return (
            f"{self.get_action_display()} {self.key_id or '-'} at {self.created_at:%Y-%m-%d %H:%M}"
        )


class IdempotentReply(models.Model):
    """The first reply to a POST with an Idempotency-Key, replayed for repeats of that POST."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=255)
    request_digest = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Null while the first request is still running.
    status = models.PositiveSmallIntegerField(null=True)
    body = models.BinaryField(default=b"")
    content_type = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["api_key", "idempotency_key"], name="one_reply_per_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.idempotency_key} → {self.status or 'pending'}"


class SignatureNonce(models.Model):
    """A nonce seen on a signed request; a second use within the window is a replay."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=128)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "nonce"], name="one_use_per_nonce")
        ]

    def __str__(self) -> str:
        return self.nonce
