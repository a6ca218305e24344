from __future__ import annotations

from django.conf import settings
from django.db import models

from .offering import Offering


class Watch(models.Model):
    """An analyst follows an offering: its score and risk movements reach their notifications."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
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
        RISK_CHANGED = "risk_changed", "Risk level changed"
        NEW_FLAG = "new_flag", "New red flag"
        CONTRACT_CHANGED = "contract", "Contract changed"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    message = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message
