"""What an offering is made of: team, token allocations, sale rounds, audits, social channels,
and the record that an analyst checked a part and found none."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .offering import Offering, amount_field

HUNDRED = Decimal(100)


def percent_field(verbose_name: str | None = None, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name,
        max_digits=7,
        decimal_places=4,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(HUNDRED)],
        **kwargs,
    )


class TeamMember(models.Model):
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="team")
    name = models.CharField(max_length=200, blank=True, help_text="Empty when anonymous.")
    role = models.CharField(max_length=200, blank=True)
    anonymous = models.BooleanField(default=False)
    experienced = models.BooleanField(
        null=True, blank=True, help_text="Relevant prior experience; unknown when empty."
    )
    advisor = models.BooleanField(default=False)
    profile_url = models.URLField(max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["offering_id", "position", "id"]

    def __str__(self) -> str:
        return self.name or "(anonymous)"

    def clean(self) -> None:
        if not self.anonymous and not self.name.strip():
            raise ValidationError(
                {"name": "a team member who is not anonymous needs a name (or tick 'anonymous')"}
            )


class TokenAllocation(models.Model):
    class Bucket(models.TextChoices):
        TEAM = "team", "Team"
        ADVISORS = "advisors", "Advisors"
        PRESALE = "presale", "Presale / private investors"
        PUBLIC_SALE = "public_sale", "Public sale"
        TREASURY = "treasury", "Treasury / reserve"
        ECOSYSTEM = "ecosystem", "Ecosystem / community"
        LIQUIDITY = "liquidity", "Liquidity"
        OTHER = "other", "Other"

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        ONCE = "once", "Once, at the end of vesting"

    class ScheduleSource(models.TextChoices):
        WHITEPAPER = "whitepaper", "Whitepaper"
        ANNOUNCEMENT = "announcement", "Announcement"
        ON_CHAIN = "on_chain", "On-chain"
        ANALYST_ESTIMATE = "analyst_estimate", "Analyst estimate"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="allocations")
    bucket = models.CharField(max_length=12, choices=Bucket.choices)
    percent = percent_field(
        "share of supply (%)",
        null=True,
        blank=True,
        help_text="Empty when the share is not known (its vesting may still be).",
    )
    vesting_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="From the vesting start to the last unlock, cliff included.",
    )
    cliff_months = models.PositiveSmallIntegerField(null=True, blank=True)
    tge_percent = percent_field(
        "unlocked at TGE (% of the allocation)",
        null=True,
        blank=True,
        help_text="Unlocked at the vesting start; the rest vests. Empty: none stated (0).",
    )
    unlock_frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    vesting_start = models.DateField(
        null=True, blank=True, help_text="Empty: the offering's token generation date."
    )
    schedule_source = models.CharField(max_length=16, choices=ScheduleSource.choices, blank=True)
    schedule_source_url = models.URLField("schedule source URL", max_length=500, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["offering_id", "-percent", "id"]

    def __str__(self) -> str:
        share = "share unknown" if self.percent is None else f"{self.percent.normalize()}%"
        return f"{self.get_bucket_display()}: {share}"

    @property
    def has_schedule(self) -> bool:
        """Whether the allocation says when its tokens unlock (a vesting length or a TGE share)."""
        return self.vesting_months is not None or self.tge_percent is not None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if (
            self.vesting_months is not None
            and self.cliff_months is not None
            and self.cliff_months > self.vesting_months
        ):
            errors["cliff_months"] = (
                f"cliff_months ({self.cliff_months}) is longer than "
                f"vesting_months ({self.vesting_months})"
            )
        if self.tge_percent is not None and self.tge_percent > HUNDRED:
            errors["tge_percent"] = (
                f"tge_percent ({self.tge_percent.normalize():f}) is over 100% of the allocation"
            )
        if errors:
            raise ValidationError(errors)


class SaleRound(models.Model):
    class Kind(models.TextChoices):
        SEED = "seed", "Seed"
        PRIVATE = "private", "Private"
        PRESALE = "presale", "Presale"
        PUBLIC = "public", "Public"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="rounds")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    price_usd = amount_field("price (USD)")
    discount_percent = percent_field("discount (%)", null=True, blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    raised_usd = amount_field("raised (USD)")
    history = HistoricalRecords()

    class Meta:
        ordering = ["offering_id", "start_date", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} round"

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError(
                {"end_date": f"end_date ({self.end_date}) is before start_date ({self.start_date})"}
            )


class Audit(models.Model):
    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="audits")
    auditor = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    date = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["offering_id", "-date", "id"]

    def __str__(self) -> str:
        return f"Audit by {self.auditor}"


class SocialLink(models.Model):
    class Network(models.TextChoices):
        TWITTER = "twitter", "X / Twitter"
        TELEGRAM = "telegram", "Telegram"
        DISCORD = "discord", "Discord"
        REDDIT = "reddit", "Reddit"
        GITHUB = "github", "GitHub"
        MEDIUM = "medium", "Medium"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="socials")
    network = models.CharField(max_length=10, choices=Network.choices)
    url = models.URLField(max_length=500)
    history = HistoricalRecords()

    class Meta:
        ordering = ["offering_id", "network"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "network"], name="one_link_per_network_per_offering"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()}: {self.url}"


class Absence(models.Model):
    """An analyst checked this part of an offering and found none: no audit, no team listed …

    A part is *checked, none* when its Absence exists and the offering has no rows (or, for
    backers, an empty list) for it; *not recorded* when it has neither. Writes go through
    offerings.services (absence_record / absence_clear) and the importer, where recording a row
    of the part removes its Absence in the same transaction.
    """

    class Part(models.TextChoices):
        AUDITS = "audits", "Audits"
        TEAM = "team", "Team"
        BACKERS = "backers", "Backers"
        ALLOCATIONS = "allocations", "Token allocations"
        ROUNDS = "rounds", "Sale rounds"
        SOCIALS = "socials", "Social channels"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="absences")
    part = models.CharField(max_length=12, choices=Part.choices)
    checked_at = models.DateTimeField()
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(
        max_length=200, blank=True, help_text="admin, analyst page, api key <id>, import <file>"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["offering_id", "part"]
        constraints = [
            models.UniqueConstraint(fields=["offering", "part"], name="one_absence_per_part")
        ]

    def __str__(self) -> str:
        return f"{self.get_part_display()}: checked, none"


def validate_allocation_total(percents: list[Decimal | None]) -> None:
    """Allocations are shares of one supply: together the known shares cannot pass 100%."""
    total = sum((p for p in percents if p is not None and 0 <= p <= HUNDRED), Decimal(0))
    if total > HUNDRED:
        raise ValidationError(
            "allocations sum to %(total)s%%, above 100%%",
            code="allocations_over_100",
            params={"total": format(total.normalize(), "f")},
        )
