"""Plain, immutable facts about offerings, built in bulk for the checklist rules.

Rules never touch the ORM: `facts_for()` reads offerings in chunks with a fixed number of queries
per chunk (offerings with venues, then one query per kind of part) whatever the chunk size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from offerings.models import (
    Audit,
    Document,
    Offering,
    SaleRound,
    SecurityIncident,
    SocialLink,
    TeamMember,
    TokenAllocation,
)
from offerings.status import derive_status

CHUNK = 2000


@dataclass(frozen=True, slots=True)
class Member:
    named: bool
    anonymous: bool
    experienced: bool | None
    advisor: bool
    has_profile: bool


@dataclass(frozen=True, slots=True)
class Allocation:
    bucket: str
    percent: Decimal
    vesting_months: int | None
    cliff_months: int | None


@dataclass(frozen=True, slots=True)
class Round:
    kind: str
    price_usd: Decimal | None
    discount_percent: Decimal | None


@dataclass(frozen=True, slots=True)
class Incident:
    occurred_on: dt.date
    kind: str


@dataclass(frozen=True, slots=True)
class VenueFacts:
    name: str
    kind: str
    licensed: bool | None
    kyc_aml_enforced: bool | None
    reputation_tier: str
    incidents: tuple[Incident, ...]


@dataclass(frozen=True, slots=True)
class MarketFacts:
    """Listing and price facts; filled by the market-data refresh when it exists."""

    listed: bool | None = None
    delisted: bool | None = None
    price_usd: Decimal | None = None
    peak_30d_usd: Decimal | None = None
    low_after_peak_usd: Decimal | None = None
    market_cap_usd: Decimal | None = None
    volume_24h_usd: Decimal | None = None


@dataclass(frozen=True, slots=True)
class OfferingFacts:
    offering_id: int
    name: str
    kind: str
    status: str | None
    today: dt.date
    token_type: str
    start_date: dt.date | None
    end_date: dt.date | None
    team: tuple[Member, ...]
    team_size: int | None
    legal_entity: str
    country: str
    postal_address: str
    regulatory_filing: str
    description: str
    claims: str
    whitepaper_url: str
    whitepaper_pages: int | None
    whitepaper_text: str
    roadmap: bool | None
    use_of_proceeds: bool | None
    cap_currency: str
    soft_cap: Decimal | None
    hard_cap: Decimal | None
    raised_usd: Decimal | None
    token_price_usd: Decimal | None
    total_supply: Decimal | None
    tokens_for_sale: Decimal | None
    supply_fixed: bool | None
    refund_policy: str
    kyc: str
    allocations: tuple[Allocation, ...]
    rounds: tuple[Round, ...]
    product_stage: str
    code_url: str
    audits: int
    venue: VenueFacts | None
    website: str
    socials: frozenset[str]
    market: MarketFacts | None = None

    @property
    def ended(self) -> bool:
        return self.status == "ended"

    @property
    def on_venue(self) -> bool:
        return self.kind in ("ieo", "ido")


def facts_for(
    offerings: QuerySet[Offering] | None = None,
    *,
    today: dt.date | None = None,
    chunk: int = CHUNK,
) -> Iterator[OfferingFacts]:
    """Facts for every offering of the queryset, streamed in id order."""
    for batch in fact_batches(offerings, today=today, chunk=chunk):
        yield from batch


def fact_batches(
    offerings: QuerySet[Offering] | None = None,
    *,
    today: dt.date | None = None,
    chunk: int = CHUNK,
) -> Iterator[list[OfferingFacts]]:
    """Facts in lists of up to `chunk` offerings, each list read with 8 queries."""
    today = today or timezone.localdate()
    queryset = (offerings if offerings is not None else Offering.objects.all()).order_by("pk")
    last_id = 0
    while True:
        batch = list(queryset.filter(pk__gt=last_id).select_related("venue")[:chunk])
        if not batch:
            return
        last_id = batch[-1].pk
        yield list(_facts(batch, today))


def _grouped(model, ids: list[int], fields: Iterable[str], key: str = "offering_id"):
    groups: dict[int, list[tuple]] = defaultdict(list)
    rows = model.objects.filter(**{f"{key}__in": ids}).order_by(key, "pk").values_list(key, *fields)
    for row in rows:
        groups[row[0]].append(row[1:])
    return groups


def _facts(batch: list[Offering], today: dt.date) -> Iterator[OfferingFacts]:
    ids = [offering.pk for offering in batch]
    team = _grouped(
        TeamMember, ids, ["position", "name", "anonymous", "experienced", "advisor", "profile_url"]
    )
    allocations = _grouped(
        TokenAllocation, ids, ["bucket", "percent", "vesting_months", "cliff_months"]
    )
    rounds = _grouped(SaleRound, ids, ["kind", "price_usd", "discount_percent"])
    audits = _grouped(Audit, ids, ["id"])
    socials = _grouped(SocialLink, ids, ["network"])
    texts = _whitepaper_texts(ids)
    venue_ids = {offering.venue_id for offering in batch if offering.venue_id}
    incidents = _grouped(SecurityIncident, list(venue_ids), ["occurred_on", "kind"], key="venue_id")
    for offering in batch:
        venue = offering.venue
        yield OfferingFacts(
            offering_id=offering.pk,
            name=offering.name,
            kind=offering.kind,
            status=offering.declared_status
            or derive_status(offering.start_date, offering.end_date, today),
            today=today,
            token_type=offering.token_type,
            start_date=offering.start_date,
            end_date=offering.end_date,
            team=tuple(
                Member(
                    named=bool(name.strip()) and not anonymous,
                    anonymous=anonymous or not name.strip(),
                    experienced=experienced,
                    advisor=advisor,
                    has_profile=bool(profile_url),
                )
                for _, name, anonymous, experienced, advisor, profile_url in sorted(
                    team[offering.pk], key=lambda member: member[0]
                )
            ),
            team_size=offering.team_size,
            legal_entity=offering.legal_entity,
            country=offering.country,
            postal_address=offering.postal_address,
            regulatory_filing=offering.regulatory_filing,
            description=offering.description,
            claims=offering.claims,
            whitepaper_url=offering.whitepaper_url,
            whitepaper_pages=offering.whitepaper_pages,
            whitepaper_text=texts.get(offering.pk, ""),
            roadmap=offering.roadmap,
            use_of_proceeds=offering.use_of_proceeds,
            cap_currency=offering.cap_currency,
            soft_cap=offering.soft_cap,
            hard_cap=offering.hard_cap,
            raised_usd=offering.raised_usd,
            token_price_usd=offering.token_price_usd,
            total_supply=offering.total_supply,
            tokens_for_sale=offering.tokens_for_sale,
            supply_fixed=offering.supply_fixed,
            refund_policy=offering.refund_policy,
            kyc=offering.kyc,
            allocations=tuple(Allocation(*row) for row in allocations[offering.pk]),
            rounds=tuple(Round(*row) for row in rounds[offering.pk]),
            product_stage=offering.product_stage,
            code_url=offering.code_url,
            audits=len(audits[offering.pk]),
            venue=VenueFacts(
                name=venue.name,
                kind=venue.kind,
                licensed=venue.licensed,
                kyc_aml_enforced=venue.kyc_aml_enforced,
                reputation_tier=venue.reputation_tier,
                incidents=tuple(Incident(*row) for row in sorted(incidents[venue.pk])),
            )
            if venue
            else None,
            website=offering.website,
            socials=frozenset(network for (network,) in socials[offering.pk]),
        )


def _whitepaper_texts(ids: list[int]) -> dict[int, str]:
    """The extracted text of each offering's newest whitepaper document, when there is one."""
    texts: dict[int, str] = {}
    rows = (
        Document.objects.filter(offering_id__in=ids, kind=Document.Kind.WHITEPAPER)
        .exclude(text="")
        .order_by("offering_id", "-uploaded_at")
        .values_list("offering_id", "text")
    )
    for offering_id, text in rows:
        texts.setdefault(offering_id, text)
    return texts
