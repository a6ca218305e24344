"""Webhook endpoints that users subscribe, and the log of every delivery to them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Event(models.TextChoices):
    OFFERING_CREATED = "offering.created"
    OFFERING_UPDATED = "offering.updated"
    ASSESSMENT_CHANGED = "assessment.changed"
    RISK_CHANGED = "risk.changed"
    LISTING_CHANGED = "listing.changed"
    CONTRACT_CHANGED = "contract.changed"
    UNLOCK_UPCOMING = "unlock.upcoming"


# Sent only on request (POST .../ping/), whatever the endpoint subscribes to.
PING = "webhook.ping"


class WebhookEndpointQuerySet(models.QuerySet):
    def owned_by(self, user) -> WebhookEndpointQuerySet:
        return self.filter(owner=user)

    def active(self) -> WebhookEndpointQuerySet:
        return self.filter(is_active=True)

    def of_the_team(self) -> WebhookEndpointQuerySet:
        """Endpoints whose owner is on the team (the analyst role or above, README: visibility
        model): payloads carry flags that include analysts' manual findings. An owner who loses
        the role stops receiving at once."""
        app_label, codename = "diligence", "view_findingreview"
        return self.filter(
            models.Q(owner__is_superuser=True)
            | models.Q(
                owner__groups__permissions__codename=codename,
                owner__groups__permissions__content_type__app_label=app_label,
            )
            | models.Q(
                owner__user_permissions__codename=codename,
                owner__user_permissions__content_type__app_label=app_label,
            ),
            owner__is_active=True,
        ).distinct()


class WebhookEndpoint(models.Model):
    """A URL that receives signed events. Secrets are stored encrypted (see secrets.py)."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, help_text="the event types it subscribes to")
    is_active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(
        default=0, help_text="deliveries in a row that failed every attempt"
    )
    secret_encrypted = models.TextField(editable=False)
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WebhookEndpointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one endpoint, with the outcome of its latest attempt."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RETRYING = "retrying"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.CharField(max_length=64, help_text="the webhook-id header")
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    redelivery_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="redeliveries"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
            models.Index(fields=["event_id"], name="webhook_delivery_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"
