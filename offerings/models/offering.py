from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator
from django.db import connections, models
from django.db.models.functions import Greatest
from django.utils import timezone
from simple_history.models import HistoricalRecords

from offerings.amounts import readable
from offerings.contracts import validate_contract_address
from offerings.countries import validate_country_code, validate_country_codes
from offerings.limits import LIST_ENTRY_MAX_CHARS, LIST_MAX_ENTRIES, TEXT_MAX_CHARS, quoted
from offerings.search_tiers import newest_first
from offerings.status import Status, derive_status, status_expression

from .venue import Venue

ZERO = Decimal(0)
_PLAIN_WORD = re.compile(r"[A-Za-z0-9]+")


def plain_word(q: str) -> bool:
    """One word of ASCII letters and digits: its full-text match (the 'simple' configuration
    lower-cases a name's words) is a word of the name or symbol equal to it in any case, which
    the containment test (name or symbol ILIKE %q%) already finds. Leaving the full-text
    alternative out of such a search's filter spares computing every name's text vector to
    reject it (measured on the load test's 20,525 offerings: counting the first 1,001 matches of
    "bench" took 11.4 ms with it, 5.5 without, and its planning 4.9 ms against 0.6)."""
    return _PLAIN_WORD.fullmatch(q) is not None


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


def _text_limit(name: str) -> MaxLengthValidator:
    return MaxLengthValidator(TEXT_MAX_CHARS[name])


# Sort keys served by the offering's copy of its current assessment (kept by the rescoring).
SORT_COLUMNS = {"score": "current_score", "risk": "current_risk_rank"}
CURRENT_ASSESSMENT_COPIES = ("current_score", "current_risk_rank")
# Columns whose change leaves the offering's interchange record as it was (offerings.revisions).
NOT_IN_RECORD = (*CURRENT_ASSESSMENT_COPIES, "revision", "updated_at")


def _venue_among(venues: models.QuerySet) -> models.Func:
    """venue_id = ANY(ARRAY(...)) (PostgreSQL): an init plan the venue_id index can use, where a
    venue_id IN (subquery) inside OR would force a full scan."""
    from django.contrib.postgres.expressions import ArraySubquery

    return models.Func(
        models.F("venue_id"),
        ArraySubquery(venues.order_by().values("pk")),
        template="%(expressions)s)",
        arg_joiner=" = ANY(",
        output_field=models.BooleanField(),
    )


class OfferingQuerySet(models.QuerySet):
    def live(self) -> OfferingQuerySet:
        """Offerings not soft-deleted (what every reader shows)."""
        return self.filter(deleted_at__isnull=True)

    def deleted(self) -> OfferingQuerySet:
        return self.filter(deleted_at__isnull=False)

    def with_status(self, today: dt.date | None = None) -> OfferingQuerySet:
        return self.annotate(current_status=status_expression(today or timezone.localdate()))

    def in_status(self, status: str, today: dt.date | None = None) -> OfferingQuerySet:
        return self.with_status(today).filter(current_status=status)

    def search(self, q: str) -> OfferingQuerySet:
        """Offerings whose name, symbol, venue name or contract address contain `q`, annotated
        with `search_rank` (higher is closer). PostgreSQL adds full-text and trigram matching."""
        q = q.strip()
        if not q:
            return self
        exact = models.Q(symbol__iexact=q) | models.Q(name__iexact=q)
        literal, venues = self._literal(q), self._venues_named(q)
        if connections[self.db].vendor == "postgresql":
            return self._search_postgresql(q, literal, exact, venues)
        rank = models.Case(
            models.When(exact, then=models.Value(2.0)),
            models.When(name__istartswith=q, then=models.Value(1.0)),
            default=models.Value(0.0),
            output_field=models.FloatField(),
        )
        return self.filter(literal | models.Q(venue__in=venues)).annotate(search_rank=rank)

    def search_literal(self, q: str) -> OfferingQuerySet | None:
        """search()'s literal matches only (name, symbol, venue name or contract address holding
        `q`), unranked: a subset of its matches that costs no full-text vector or word
        similarity per row. None where search() has no other kind (SQLite)."""
        q = q.strip()
        if not q or connections[self.db].vendor != "postgresql":
            return None
        return self.filter(self._literal(q) | models.Q(_venue_among(self._venues_named(q))))

    def _literal(self, q: str) -> models.Q:
        contract = (
            models.Q(contract_address__icontains=q)
            if len(q) >= self.CONTRACT_FRAGMENT
            else models.Q(contract_address__iexact=q)
        )
        return models.Q(name__icontains=q) | models.Q(symbol__icontains=q) | contract

    def _venues_named(self, q: str) -> models.QuerySet:
        return self.model._meta.get_field("venue").related_model.objects.filter(name__icontains=q)

    def _search_postgresql(
        self, q: str, literal: models.Q, exact: models.Q, venues: models.QuerySet
    ) -> OfferingQuerySet:
        # Each alternative has an index of its own (migration 0004), so PostgreSQL combines
        # bitmap index scans instead of reading every offering.
        from django.contrib.postgres.lookups import TrigramWordSimilar
        from django.contrib.postgres.search import (
            SearchQuery,
            SearchRank,
            SearchVector,
            TrigramWordSimilarity,
        )

        # 'simple': names and symbols are not English words to stem.
        document = SearchVector("name", "symbol", config="simple")
        query = SearchQuery(q, config="simple", search_type="websearch")
        at_venue = _venue_among(venues)
        similar = TrigramWordSimilar(models.F("name"), q)  # pg_trgm's threshold, 0.6
        exact_rank = models.Case(
            models.When(exact, then=models.Value(2.0)), default=models.Value(0.0)
        )
        matches = literal | models.Q(similar) | models.Q(at_venue)
        if not plain_word(q):
            matches |= models.Q(search_document=query)
        return (
            self.alias(search_document=document)
            .filter(matches)
            .annotate(
                search_rank=Greatest(
                    exact_rank, SearchRank(document, query), TrigramWordSimilarity(q, "name")
                )
            )
        )

    def filtered(self, criteria: dict[str, Any]) -> OfferingQuerySet:
        """Apply the record's list filters in `criteria` (OfferingFilterForm's cleaned values);
        empty or missing keys do not filter. The assessment's filters (risk, grade, score,
        contract flags) are diligence.selectors.offering_filter's."""
        wanted = {
            key: value for key, value in criteria.items() if value is not None and value != ""
        }
        offerings = self.search(wanted["q"]) if "q" in wanted else self
        status = wanted.get("status")
        if status:
            offerings = offerings.with_status()
            if status == "unknown":
                offerings = offerings.filter(current_status__isnull=True)
                del wanted["status"]
        if wanted.get("has_audit") in ("yes", "no"):
            audits = self.model._meta.get_field("audits").related_model.objects.filter(
                offering=models.OuterRef("pk")
            )
            audited = models.Exists(audits)
            offerings = offerings.filter(audited if wanted["has_audit"] == "yes" else ~audited)
        lookups = {
            lookup: wanted[key] for key, lookup in self.FILTER_LOOKUPS.items() if key in wanted
        }
        return offerings.filter(**lookups)

    def sorted_by(self, key: str = "", annotated: tuple[str, ...] = ()) -> OfferingQuerySet:
        """Order by one of SORT_KEYS, or of `annotated` (names the caller annotated), '-' for
        descending, unknown values last, ties broken by name and id so pages are stable. The
        default is the best match when searching, else the newest sale first."""
        descending = key.startswith("-")
        field = key.removeprefix("-")
        if key and field not in (*self.SORT_KEYS, *annotated):
            raise ValueError(f"sort={key!r}: not one of {', '.join(self.SORT_KEYS)}")
        offerings = self
        if not key:
            ordering = newest_first()[:1]
            if "search_rank" in self.query.annotations:
                ordering.insert(0, models.F("search_rank").desc())
        else:
            # Score and risk sort on the offering's own copies of its current assessment's, so
            # that an index serves the first page instead of a join over every offering.
            expression = models.F(SORT_COLUMNS.get(field, field))
            ordering = [
                expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
            ]
        tiebreak = ["id"] if field == "name" else ["name", "id"]
        return offerings.order_by(*ordering, *tiebreak)

    # Criteria key -> lookup, for the filters that are plain equality or range lookups.
    FILTER_LOOKUPS = {
        "kind": "kind",
        "status": "current_status",
        "venue": "venue__slug",
        "country": "country",
        "kyc": "kyc",
        "refund": "refund_policy",
        "start_from": "start_date__gte",
        "start_to": "start_date__lte",
    }
    SORT_KEYS = ("name", "start_date", "raised_usd", "hard_cap", "score", "risk")
    # A shorter query would match parts of many unrelated hex addresses.
    CONTRACT_FRAGMENT = 8


class LiveOfferingManager(models.Manager.from_queryset(OfferingQuerySet)):
    def get_queryset(self) -> OfferingQuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


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

    # Run on an exchange or launchpad. Without one recorded the venue is unknown, not invalid:
    # the importer warns, and the venue rules stay unknown (diligence, not intake, judges it).
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
    code_public = models.BooleanField(
        "code public",
        null=True,
        blank=True,
        help_text="Is the code public? Empty when not checked; a code URL alone does not say.",
    )
    whitepaper_pages = models.PositiveIntegerField(null=True, blank=True)
    team_size = models.PositiveIntegerField(null=True, blank=True)

    country = models.CharField(
        "issuer country", max_length=2, blank=True, validators=[validate_country_code]
    )
    legal_entity = models.CharField(max_length=200, blank=True)
    postal_address = models.TextField(blank=True, validators=[_text_limit("postal_address")])
    regulatory_filing = models.CharField(
        max_length=300, blank=True, help_text="e.g. 'SEC Form D 021-123456' or 'BaFin prospectus'."
    )
    description = models.TextField(blank=True, validators=[_text_limit("description")])
    claims = models.TextField(
        blank=True,
        help_text="Marketing claims quoted verbatim from the offering's material.",
        validators=[_text_limit("claims")],
    )

    start_date = models.DateField("public sale start", null=True, blank=True)
    end_date = models.DateField("public sale end", null=True, blank=True)
    tge_date = models.DateField(
        "token generation date",
        null=True,
        blank=True,
        help_text="Empty: the public sale's end. Vesting schedules start here unless they say.",
    )

    cap_currency = models.CharField(max_length=10, blank=True, help_text="USD, ETH, BTC, tokens …")
    soft_cap = amount_field(help_text="0 means the sale states it has no soft cap.")
    hard_cap = amount_field(help_text="0 means the sale states it has no hard cap.")
    raised_usd = amount_field("raised (USD)")
    token_price_usd = amount_field("token price (USD)")
    total_supply = amount_field()
    tokens_for_sale = amount_field()

    supply_fixed = models.BooleanField(null=True, blank=True)
    whitelist = models.BooleanField(null=True, blank=True)
    bonus = models.BooleanField(
        "purchase bonuses",
        null=True,
        blank=True,
        help_text="The sale offers buyers bonus tokens (early-bird, volume or referral bonuses).",
    )
    roadmap = models.BooleanField("roadmap published", null=True, blank=True)
    use_of_proceeds = models.BooleanField("use of proceeds disclosed", null=True, blank=True)

    refund_policy = models.CharField(max_length=12, choices=RefundPolicy.choices, blank=True)
    kyc = models.CharField("KYC", max_length=12, choices=Kyc.choices, blank=True)
    product_stage = models.CharField(max_length=10, choices=ProductStage.choices, blank=True)
    restricted_countries = models.JSONField(
        default=list, blank=True, validators=[validate_country_codes]
    )
    # None: not recorded; []: checked, none (its Absence says who checked, and when).
    backers = models.JSONField(null=True, blank=True, default=None)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Copies of the current assessment's score and risk, for sorting with an index (PostgreSQL,
    # migration 0006). Only the rescoring writes them (diligence: Assessment.save and the bulk
    # writes); an edit's save() leaves them alone. The risk is its rank in diligence's one
    # ranking of risk levels (low 0 … critical 3), a number the record layer only sorts by.
    current_score = models.DecimalField(max_digits=4, decimal_places=1, null=True, editable=False)
    current_risk_rank = models.PositiveSmallIntegerField(null=True, editable=False)
    # Set by an admin's delete: the offering disappears from every list, page, API reply, export
    # and rescoring, while its reviews, assessments and change history are kept.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    # Raised by the database whenever anything the offering's interchange record shows changes
    # (its own columns, its parts, market data, listings, outcomes, contract check, whitepaper
    # matches, a venue's name), whichever way it was written: offerings.revisions installs the
    # triggers. Readers cache a record under (id, revision) (api.record_cache).
    revision = models.PositiveBigIntegerField(default=0, db_default=0, editable=False)
    history = HistoricalRecords(excluded_fields=[*CURRENT_ASSESSMENT_COPIES, "revision"])

    # The default manager hides soft-deleted offerings, so every reader (views, API, admin,
    # exports, facts, rescoring, webhooks, related managers) leaves them out.
    objects = LiveOfferingManager()
    all_objects = models.Manager.from_queryset(OfferingQuerySet)()

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["kind"]),
            models.Index(fields=["start_date"]),
            models.Index(fields=["country"]),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.symbol})" if self.symbol else self.name

    def save(self, *args, **kwargs) -> None:
        # An edit must not write back a stale copy of the assessment over the rescoring's.
        if self.pk is not None and not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in CURRENT_ASSESSMENT_COPIES
            ]
        super().save(*args, **kwargs)

    @property
    def venue_unknown_warning(self) -> str | None:
        """What an exchange offering recorded without its venue says (None when not that)."""
        if self.kind in self.VENUE_KINDS and self.venue_id is None:
            return (
                f"kind is {self.kind!r}, and an {self.kind.upper()} is run on a venue that is not "
                "recorded: the venue is unknown, and so are the rules that judge it"
            )
        return None

    @property
    def status(self) -> str | None:
        return self.status_on(timezone.localdate())

    def status_on(self, today: dt.date) -> str | None:
        """The status on `today`: the declared one, else derived from the sale's dates."""
        if self.declared_status:
            return self.declared_status
        return derive_status(self.start_date, self.end_date, today)

    @property
    def token_generation_date(self) -> dt.date | None:
        return self.tge_date or self.end_date

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

        # An emptied restricted_countries (a cleared admin textarea) means no entries; backers
        # keep None (not recorded) apart from [] (checked, none).
        if self.restricted_countries is None:
            self.restricted_countries = []
        if self.backers is not None and (
            not isinstance(self.backers, list)
            or not all(isinstance(backer, str) for backer in self.backers)
        ):
            add(
                "backers",
                f"backers ({quoted(self.backers)!r}) must be a list of names, "
                'e.g. ["Acme Ventures"]',
            )
        for name in ("restricted_countries", "backers"):
            entries = getattr(self, name)
            if isinstance(entries, list) and len(entries) > LIST_MAX_ENTRIES[name]:
                add(name, f"{name} has {len(entries):,} entries; at most {LIST_MAX_ENTRIES[name]}")
            elif isinstance(entries, list) and any(
                isinstance(entry, str) and len(entry) > LIST_ENTRY_MAX_CHARS for entry in entries
            ):
                add(name, f"{name} has an entry over {LIST_ENTRY_MAX_CHARS} characters")
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
        if self.contract_address:
            try:
                validate_contract_address(
                    self.contract_address, chain=self.chain, token_standard=self.token_standard
                )
            except ValidationError as exc:
                errors.setdefault("contract_address", []).extend(exc.messages)
        if errors:
            raise ValidationError(errors)
