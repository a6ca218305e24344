"""What the contract-risk checks store: every provider's answer (raw, for audit), the current
facts of each offering's contract with their provenance, and the changes between checks."""

from __future__ import annotations

from django.db import models

from .offering import Offering


class ContractSnapshot(models.Model):
    """One provider's answer about an offering's contract at one check: the normalised facts
    it stated, its raw payload, or why it could not say."""

    offering = models.ForeignKey(
        Offering, on_delete=models.CASCADE, related_name="contract_snapshots"
    )
    provider = models.CharField(max_length=20)
    fetched_at = models.DateTimeField()
    chain_id = models.PositiveIntegerField()
    address = models.CharField(max_length=100)
    facts = models.JSONField(default=dict, blank=True)
    raw = models.JSONField(null=True, blank=True, help_text="The provider's payload, as received.")
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["offering_id", "-fetched_at", "provider"]
        indexes = [models.Index(fields=["offering", "-fetched_at"])]

    def __str__(self) -> str:
        return f"{self.provider} on {self.offering_id} at {self.fetched_at:%Y-%m-%d %H:%M}"


class ContractRisk(models.Model):
    """The current contract facts of an offering, each with the provider and time it comes
    from: {name: {"value": ..., "source": "goplus", "seen_at": ISO time}}. Kept by the check."""

    offering = models.OneToOneField(
        Offering, on_delete=models.CASCADE, primary_key=True, related_name="contract_risk"
    )
    chain_id = models.PositiveIntegerField()
    address = models.CharField(max_length=100)
    facts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(
        default=dict, blank=True, help_text="Provider → why it could not say at the last check."
    )
    first_checked_at = models.DateTimeField()
    checked_at = models.DateTimeField()
    next_check_at = models.DateTimeField(db_index=True)
    checks = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name_plural = "contract risks"

    def __str__(self) -> str:
        return f"contract of {self.offering_id}"


class ContractChange(models.Model):
    """A fact that differed between two checks: "sell tax 2% → 25%"."""

    offering = models.ForeignKey(
        Offering, on_delete=models.CASCADE, related_name="contract_changes"
    )
    detected_at = models.DateTimeField()
    fact = models.CharField(max_length=40)
    old = models.JSONField(null=True)
    new = models.JSONField(null=True)
    source = models.CharField(max_length=20)
    summary = models.CharField(max_length=300)

    class Meta:
        ordering = ["offering_id", "-detected_at", "-id"]
        indexes = [models.Index(fields=["offering", "-detected_at"])]

    def __str__(self) -> str:
        return f"{self.detected_at:%Y-%m-%d}: {self.summary}"
