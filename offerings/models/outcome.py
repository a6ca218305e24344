"""What happened to an offering after its sale: derived from the market data, or entered by
an analyst with a source. The track record scores the frozen as-of-sale-end assessments
against these (diligence.track_record)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from .offering import Offering

# Spelled out for the constraints (Meta cannot see the class body's names).
_DERIVED = ["listed", "not_listed", "delisted", "below_sale_price"]
_ANALYST = ["failed", "abandoned", "exit_scam", "regulator_action"]


class SaleOutcome(models.Model):
    """One outcome of one offering; at most one of each kind per offering."""

    class Kind(models.TextChoices):
        # Derived from the market data by offerings.outcomes.outcomes_derive (read-only).
        LISTED = "listed", "Listed within the window"
        NOT_LISTED = "not_listed", "Not listed within the window"
        DELISTED = "delisted", "Delisted everywhere"
        BELOW_SALE_PRICE = "below_sale_price", "Below the sale price one year on"
        # Entered by analysts, each with a source.
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned"
        EXIT_SCAM = "exit_scam", "Exit scam"
        REGULATOR_ACTION = "regulator_action", "Regulator action"

    DERIVED_KINDS = (Kind.LISTED, Kind.NOT_LISTED, Kind.DELISTED, Kind.BELOW_SALE_PRICE)
    ANALYST_KINDS = (Kind.FAILED, Kind.ABANDONED, Kind.EXIT_SCAM, Kind.REGULATOR_ACTION)

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    derived = models.BooleanField(help_text="Derived from the market data; read-only.")
    occurred_on = models.DateField(null=True, blank=True, help_text="When it happened, if known.")
    evidence = models.CharField(max_length=300, blank=True, help_text="What the data showed.")
    source_url = models.URLField("source URL", max_length=500, blank=True)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["offering_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "kind"], name="sale_outcome_unique_kind"),
            models.CheckConstraint(
                condition=Q(derived=True, kind__in=_DERIVED) | Q(derived=False, kind__in=_ANALYST),
                name="sale_outcome_derived_kinds",
            ),
            models.CheckConstraint(
                condition=Q(derived=True) | ~Q(source_url=""),
                name="sale_outcome_analyst_source",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering_id}: {self.get_kind_display()}"

    def clean(self) -> None:
        """An analyst's outcome is one of the analyst kinds and names its source."""
        if self.derived:
            return
        errors = {}
        if self.kind not in self.ANALYST_KINDS:
            allowed = ", ".join(k.value for k in self.ANALYST_KINDS)
            errors["kind"] = (
                f"kind {self.kind!r} is derived from the market data; analysts record one of "
                f"{allowed}"
            )
        if not self.source_url.strip():
            errors["source_url"] = (
                f"source_url ({self.source_url!r}) is required: link the report, filing or "
                "announcement the outcome comes from"
            )
        if errors:
            raise ValidationError(errors)
