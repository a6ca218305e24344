"""Token unlock events: derived from the allocations' vesting schedules (offerings.unlocks)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .offering import Offering, amount_field
from .parts import TokenAllocation


def share_field(verbose_name: str, *, max_digits: int = 13, places: int = 8, **kwargs):
    return models.DecimalField(verbose_name, max_digits=max_digits, decimal_places=places, **kwargs)


class UnlockEventQuerySet(models.QuerySet):
    def between(self, start, end) -> UnlockEventQuerySet:
        return self.filter(date__gte=start, date__lte=end)

    def at_least(self, percent_of_circulating) -> UnlockEventQuerySet:
        return self.filter(percent_of_circulating__gte=percent_of_circulating)


class UnlockEvent(models.Model):
    """One day's unlock of one allocation. Written only by `unlock_events_refresh`, which
    replaces an offering's events whenever its allocations, supply or dates change."""

    class Kind(models.TextChoices):
        TGE = "tge", "TGE"
        CLIFF = "cliff", "Cliff"
        LINEAR = "linear", "Linear"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="unlocks")
    allocation = models.ForeignKey(
        TokenAllocation, on_delete=models.CASCADE, related_name="unlock_events"
    )
    bucket = models.CharField(max_length=12, choices=TokenAllocation.Bucket.choices)
    date = models.DateField()
    kind = models.CharField(max_length=6, choices=Kind.choices)
    tokens = amount_field(help_text="Unknown without the total supply or the allocation's share.")
    percent_of_allocation = share_field("share of the allocation (%)")
    percent_of_supply = share_field("share of the total supply (%)", null=True)
    # The unlock over what was circulating the day before; unknown at the first unlock.
    percent_of_circulating = share_field(
        "share of the circulating supply (%)", max_digits=16, places=4, null=True
    )
    cumulative_percent = share_field("unlocked after this day (% of supply)", null=True)
    cumulative_tokens = amount_field("unlocked after this day (tokens)")
    final = models.BooleanField(default=False, help_text="The allocation's last unlock.")

    objects = UnlockEventQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        indexes = [
            models.Index(fields=["date", "id"], name="unlock_date_id"),
            # Covers the calendar's month timeline and share filter: an index-only scan.
            models.Index(
                fields=["date", "bucket", "percent_of_circulating"], name="unlock_calendar_cover"
            ),
            models.Index(fields=["offering", "date"], name="unlock_offering_date"),
        ]

    def __str__(self) -> str:
        return f"{self.offering_id} {self.bucket} {self.date}: {self.percent_of_allocation}%"


class UnlockAlert(models.Model):
    """An unlock alert sent: one per analyst, unlock and lead time, whatever the re-runs; with
    no user, the `unlock.upcoming` webhook event. Keyed by the unlock's offering, bucket and
    date, which survive a recomputation of the events."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, related_name="+"
    )
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="+")
    bucket = models.CharField(max_length=12)
    date = models.DateField()
    lead_days = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "offering", "bucket", "date", "lead_days"],
                name="one_unlock_alert_per_lead_time",
            ),
            models.UniqueConstraint(
                fields=["offering", "bucket", "date", "lead_days"],
                condition=models.Q(user__isnull=True),
                name="one_unlock_announcement_per_lead_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.offering_id} {self.bucket} {self.date} -{self.lead_days}d"
