from __future__ import annotations

from django.db import models
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from offerings.countries import validate_country_code


class Venue(models.Model):
    """An exchange or launchpad that hosts sales (IEO/IDO) or lists tokens."""

    class Kind(models.TextChoices):
        CEX = "cex", "Centralised exchange"
        DEX = "dex", "Decentralised exchange"
        LAUNCHPAD = "launchpad", "Launchpad"

    class Tier(models.TextChoices):
        TOP = "tier1", "Tier 1 — top, long track record"
        ESTABLISHED = "tier2", "Tier 2 — established"
        LOW = "tier3", "Tier 3 — low or unproven reputation"

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, blank=True)
    website = models.URLField(blank=True)
    country = models.CharField(
        "jurisdiction",
        max_length=2,
        blank=True,
        validators=[validate_country_code],
        help_text="ISO 3166-1 alpha-2 code of the jurisdiction the venue operates from.",
    )
    licence = models.CharField(
        max_length=200, blank=True, help_text="Licence or registration, e.g. 'VASP (Lithuania)'."
    )
    licensed = models.BooleanField(null=True, blank=True, help_text="Unknown when empty.")
    kyc_aml_enforced = models.BooleanField(
        "KYC/AML enforced", null=True, blank=True, help_text="Unknown when empty."
    )
    reputation_tier = models.CharField(max_length=5, choices=Tier.choices, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.slug:
            self.slug = slugify(self.name)[:140]
        super().save(*args, **kwargs)


class SecurityIncident(models.Model):
    """A breach, insolvency or similar event at a venue."""

    class Kind(models.TextChoices):
        BREACH = "breach", "Security breach / hack"
        INSOLVENCY = "insolvency", "Insolvency or withdrawal freeze"
        EXIT_SCAM = "exit_scam", "Exit scam"
        REGULATORY = "regulatory", "Regulatory action"
        OUTAGE = "outage", "Prolonged outage"

    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="incidents")
    occurred_on = models.DateField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.TextField(blank=True)
    loss_usd = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    source_url = models.URLField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-occurred_on"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.venue} on {self.occurred_on}"
