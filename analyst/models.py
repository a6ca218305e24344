"""The analyst's own records: what they watch, what they were told, their settings. The tables
keep the names they had in offerings (state-only move, no data copied)."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from diligence.notifications import Kind as ChangeKind
from offerings.models import Offering


class Watch(models.Model):
    """An analyst follows an offering: its score and risk movements reach their notifications."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "offerings_watch"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "offering"], name="one_watch_per_user_and_offering"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} watches {self.offering}"


class Notification(models.Model):
    """Something an analyst should know about a watched offering."""

    class Kind(models.TextChoices):
        RISK_CHANGED = ChangeKind.RISK_CHANGED.value, "Risk level changed"
        NEW_FLAG = ChangeKind.NEW_FLAG.value, "New red flag"
        CONTRACT_CHANGED = "contract", "Contract changed"
        UNLOCK_SOON = "unlock_soon", "Token unlock coming"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "offerings_notification"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="offerings_n_user_id_9d4028_idx")]

    def __str__(self) -> str:
        return self.message


def feed_token_new() -> str:
    return secrets.token_urlsafe(24)


class AnalystPreferences(models.Model):
    """An analyst's settings: unlock alert threshold, calendar feed, last visit of the home page."""

    DEFAULT_UNLOCK_THRESHOLD = Decimal(1)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    unlock_threshold_percent = models.DecimalField(
        "unlock alert threshold (% of circulating supply)",
        max_digits=7,
        decimal_places=3,
        default=DEFAULT_UNLOCK_THRESHOLD,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10_000))],
    )
    # A secret in the URL of the iCal feed (calendar apps cannot sign in); null when revoked.
    feed_token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    home_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "offerings_analystpreferences"
        verbose_name_plural = "analyst preferences"

    def __str__(self) -> str:
        return f"preferences of {self.user}"
