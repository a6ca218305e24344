from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from offerings.amounts import readable
from offerings.contracts import validate_contract_address
from offerings.countries import validate_country_code, validate_country_codes
from offerings.status import Status, derive_status, status_expression

from .venue import Venue

ZERO = Decimal(0)


def amount_field(verbose_name: str | None = None, **kwargs) -> models.DecimalField:
    """Money and token amounts: exact decimals, unknown when empty."""
    return models.DecimalField(
        verbose_name,
        max_digits=40,
        decimal_places=18,
        null=True,
        blank=True,
        validators=[MinValueValidator(ZERO)],
        **kwargs,
    )


class OfferingQuerySet(models.QuerySet):
    def with_status(self, today: dt.date | None = None) -> OfferingQuerySet:
        return self.annotate(current_status=status_expression(today or timezone.localdate()))

    def in_status(self, status: str, today: dt.date | None = None) -> OfferingQuerySet:
        return self.with_status(today).filter(current_status=status)

    def with_assessment(self) -> OfferingQuerySet:
        """Annotate the current assessment's score, grade, risk, coverage and flags (one join)."""
        current = models.FilteredRelation(
            "assessments", condition=models.Q(assessments__is_current=True)
        )
        return self.annotate(
            current_assessment=current,
            score=models.F("current_assessment__score"),
            grade=models.F("current_assessment__grade"),
            risk=models.F("current_assessment__risk"),
            coverage=models.F("current_assessment__coverage"),
            flags=models.F("current_assessment__flags"),
            assessed_at=models.F("current_assessment__created_at"),
        )


class Offering(models.Model):
    """A token sale (ICO, IEO, IDO or STO) and everything its documents say about it."""

    class Kind(models.TextChoices):
        ICO = "ico", "ICO — initial coin offering"
        IEO = "ieo", "IEO — initial exchange offering"
        IDO = "ido", "IDO — initial DEX offering"
        STO = "sto", "STO — security token offering"

    class TokenType(models.TextChoices):
        UTILITY = "utility", "Utility"
        SECURITY = "security", "Security"
        CURRENCY = "currency", "Currency"
        OTHER = "other", "Other"

    class RefundPolicy(models.TextChoices):
        FULL = "full", "Full refund"
        PARTIAL = "partial", "Partial refund"
        NONE = "none", "No refund"
        UNSPECIFIED = "unspecified", "Not specified by the sale"

    class Kyc(models.TextChoices):
        REQUIRED = "required", "Required"
        NOT_REQUIRED = "not_required", "Not required"
        UNSPECIFIED = "unspecified", "Not specified by the sale"

    class ProductStage(models.TextChoices):
        IDEA = "idea", "Idea only"
        PROTOTYPE = "prototype", "Prototype"
        BETA = "beta", "Beta"
        LIVE = "live", "Live product"

    VENUE_KINDS = (Kind.IEO, Kind.IDO)

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=120, unique=True)
    symbol = models.CharField(max_length=20, blank=True, db_index=True)
    kind = models.CharField(max_length=3, choices=Kind.choices)
    declared_status = models.CharField(
        "status",
        max_length=10,
        choices=Status.choices,
        blank=True,
        help_text="Leave empty to derive the status from the sale dates.",
    )
    token_type = models.CharField(max_length=10, choices=TokenType.choices, blank=True)
    venue = models.ForeignKey(
        Venue, on_delete=models.PROTECT, null=True, blank=True, related_name="offerings"
    )

    chain = models.CharField(max_length=40, blank=True)
    token_standard = models.CharField(max_length=20, blank=True)
    contract_address = models.CharField(max_length=100, blank=True, db_index=True)
    coingecko_id = models.CharField("CoinGecko id", max_length=100, blank=True, db_index=True)

    website = models.URLField(max_length=500, blank=True)
    whitepaper_url = models.URLField(max_length=500, blank=True)
    code_url = models.URLField("code repository", max_length=500, blank=True)
    whitepaper_pages = models.PositiveIntegerField(null=True, blank=True)
    team_size = models.PositiveIntegerField(null=True, blank=True)

    country = models.CharField(
        "issuer country", max_length=2, blank=True, validators=[validate_country_code]
    )
    legal_entity = models.CharField(max_length=200, blank=True)
    postal_address = models.TextField(blank=True)
    regulatory_filing = models.CharField(
        max_length=300, blank=True, help_text="e.g. 'SEC Form D 021-123456' or 'BaFin prospectus'."
    )
    description = models.TextField(blank=True)
    claims = models.TextField(
        blank=True, help_text="Marketing claims quoted verbatim from the offering's material."
    )

    start_date = models.DateField("public sale start", null=True, blank=True)
    end_date = models.DateField("public sale end", null=True, blank=True)

    cap_currency = models.CharField(max_length=10, blank=True, help_text="USD, ETH, BTC, tokens …")
    soft_cap = amount_field(help_text="0 means the sale states it has no soft cap.")
    hard_cap = amount_field(help_text="0 means the sale states it has no hard cap.")
    raised_usd = amount_field("raised (USD)")
    token_price_usd = amount_field("token price (USD)")
    total_supply = amount_field()
    tokens_for_sale = amount_field()

    supply_fixed = models.BooleanField(null=True, blank=True)
    whitelist = models.BooleanField(null=True, blank=True)
    roadmap = models.BooleanField("roadmap published", null=True, blank=True)
    use_of_proceeds = models.BooleanField("use of proceeds disclosed", null=True, blank=True)

    refund_policy = models.CharField(max_length=12, choices=RefundPolicy.choices, blank=True)
    kyc = models.CharField("KYC", max_length=12, choices=Kyc.choices, blank=True)
    product_stage = models.CharField(max_length=10, choices=ProductStage.choices, blank=True)
    restricted_countries = models.JSONField(
        default=list, blank=True, validators=[validate_country_codes]
    )
    backers = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    history = HistoricalRecords()

    objects = OfferingQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["kind"]),
            models.Index(fields=["start_date"]),
            models.Index(fields=["country"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.symbol})" if self.symbol else self.name

    @property
    def status(self) -> str | None:
        if self.declared_status:
            return self.declared_status
        return derive_status(self.start_date, self.end_date, timezone.localdate())

    @property
    def has_soft_cap(self) -> bool | None:
        return None if self.soft_cap is None else self.soft_cap > 0

    @property
    def has_hard_cap(self) -> bool | None:
        return None if self.hard_cap is None else self.hard_cap > 0

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}

        def add(field: str, message: str) -> None:
            errors.setdefault(field, []).append(message)

        # An emptied list field (a cleared admin textarea) means no entries; the columns hold lists.
        for name in ("restricted_countries", "backers"):
            if getattr(self, name) is None:
                setattr(self, name, [])
        if not isinstance(self.backers, list) or not all(
            isinstance(backer, str) for backer in self.backers
        ):
            add(
                "backers",
                f'backers ({self.backers!r}) must be a list of names, e.g. ["Acme Ventures"]',
            )
        if self.soft_cap and self.hard_cap and self.soft_cap > self.hard_cap:
            add(
                "soft_cap",
                f"soft_cap ({readable(self.soft_cap)}) is above hard_cap "
                f"({readable(self.hard_cap)}); the minimum raise cannot exceed the maximum",
            )
        if self.start_date and self.end_date and self.end_date < self.start_date:
            add(
                "end_date",
                f"end_date ({self.end_date}) is before start_date ({self.start_date})",
            )
        if (
            self.tokens_for_sale is not None
            and self.total_supply is not None
            and self.tokens_for_sale > self.total_supply
        ):
            add(
                "tokens_for_sale",
                f"tokens_for_sale ({readable(self.tokens_for_sale)}) is above total_supply "
                f"({readable(self.total_supply)})",
            )
        if self.kind in self.VENUE_KINDS and self.venue_id is None:
            add(
                "venue",
                f"kind is {self.kind!r}, and an {self.kind.upper()} is run on a venue: "
                "name the exchange or launchpad",
            )
        if self.contract_address:
            try:
                validate_contract_address(
                    self.contract_address, chain=self.chain, token_standard=self.token_standard
                )
            except ValidationError as exc:
                errors.setdefault("contract_address", []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)
