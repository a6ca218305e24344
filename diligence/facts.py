"""Plain, immutable facts about offerings, built in bulk for the checklist rules.

Rules never touch the ORM: `facts_for()` reads offerings in chunks with a fixed number of queries
per chunk (offerings with venues, then one query per kind of part) whatever the chunk size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from diligence.unlock_facts import UnlockFacts, unlock_facts_for
from offerings.models import (
    Audit,
    Document,
    MarketSummary,
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
    """Listing and price facts from the market-data refresh (offerings.MarketSummary)."""

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
    unlocks: UnlockFacts | None = None  # None: no unlock schedule recorded

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
    """Facts in lists of up to `chunk` offerings, each list read with 9 queries."""
    today = today or timezone.localdate()
    queryset = (offerings if offerings is not None else Offering.objects.all()).order_by("pk")
    last_id = 0
    while True:
        rows = list(queryset.filter(pk__gt=last_id).values_list(*_OFFERING_COLUMNS)[:chunk])
        if not rows:
            return
        last_id = rows[-1][0]
        yield _facts(rows, today)


# The offering's columns in the order _facts() unpacks them, its venue's last (one join).
_OFFERING_COLUMNS = (
    "pk",
    "name",
    "kind",
    "declared_status",
    "token_type",
    "start_date",
    "end_date",
    "team_size",
    "legal_entity",
    "country",
    "postal_address",
    "regulatory_filing",
    "description",
    "claims",
    "whitepaper_url",
    "whitepaper_pages",
    "roadmap",
    "use_of_proceeds",
    "cap_currency",
    "soft_cap",
    "hard_cap",
    "raised_usd",
    "token_price_usd",
    "total_supply",
    "tokens_for_sale",
    "supply_fixed",
    "refund_policy",
    "kyc",
    "product_stage",
    "code_url",
    "website",
    "venue_id",
    "venue__name",
    "venue__kind",
    "venue__licensed",
    "venue__kyc_aml_enforced",
    "venue__reputation_tier",
)
_VENUE = _OFFERING_COLUMNS.index("venue_id")
# Members have only 48 possible values; sharing the frozen instances saves building them.
_member = cache(Member)


def _facts(rows: list[tuple], today: dt.date) -> list[OfferingFacts]:
    """Facts from offering rows (ascending ids), reading their parts with 8 more queries."""
    ids = [row[0] for row in rows]
    among = among_ids(ids)
    team = _team(among)
    allocations = _grouped(
        TokenAllocation, among, "bucket", "percent", "vesting_months", "cliff_months"
    )
    rounds = _grouped(SaleRound, among, "kind", "price_usd", "discount_percent")
    audits = dict(
        Audit.objects.filter(among)
        .values("offering_id")
        .annotate(n=Count("pk"))
        .values_list("offering_id", "n")
    )
    socials = _grouped(SocialLink, among, "network")
    texts = _whitepaper_texts(among)
    venues = _venues(rows)
    markets = _markets(among)
    unlocks = unlock_facts_for(among, today)
    facts = []
    for (
        pk,
        name,
        kind,
        declared_status,
        token_type,
        start_date,
        end_date,
        team_size,
        legal_entity,
        country,
        postal_address,
        regulatory_filing,
        description,
        claims,
        whitepaper_url,
        whitepaper_pages,
        roadmap,
        use_of_proceeds,
        cap_currency,
        soft_cap,
        hard_cap,
        raised_usd,
        token_price_usd,
        total_supply,
        tokens_for_sale,
        supply_fixed,
        refund_policy,
        kyc,
        product_stage,
        code_url,
        website,
        venue_id,
        *_,
    ) in rows:
        facts.append(
            OfferingFacts(
                offering_id=pk,
                name=name,
                kind=kind,
                status=declared_status or derive_status(start_date, end_date, today),
                today=today,
                token_type=token_type,
                start_date=start_date,
                end_date=end_date,
                team=tuple(team.get(pk, ())),
                team_size=team_size,
                legal_entity=legal_entity,
                country=country,
                postal_address=postal_address,
                regulatory_filing=regulatory_filing,
                description=description,
                claims=claims,
                whitepaper_url=whitepaper_url,
                whitepaper_pages=whitepaper_pages,
                whitepaper_text=texts.get(pk, ""),
                roadmap=roadmap,
                use_of_proceeds=use_of_proceeds,
                cap_currency=cap_currency,
                soft_cap=soft_cap,
                hard_cap=hard_cap,
                raised_usd=raised_usd,
                token_price_usd=token_price_usd,
                total_supply=total_supply,
                tokens_for_sale=tokens_for_sale,
                supply_fixed=supply_fixed,
                refund_policy=refund_policy,
                kyc=kyc,
                allocations=tuple(Allocation(*row) for row in allocations.get(pk, ())),
                rounds=tuple(Round(*row) for row in rounds.get(pk, ())),
                product_stage=product_stage,
                code_url=code_url,
                audits=audits.get(pk, 0),
                venue=venues.get(venue_id),
                website=website,
                socials=frozenset(network for (network,) in socials.get(pk, ())),
                market=markets.get(pk),
                unlocks=unlocks.get(pk),
            )
        )
    return facts


def among_ids(ids: list[int], field: str = "offering_id") -> Q:
    """`field` is one of `ids` (ascending): as a range when they are dense, since sending and
    parsing thousands of parameters costs more than the few rows of other offerings a range
    may also read (callers look rows up by id, so those are ignored)."""
    if len(ids) > 1 and ids[-1] - ids[0] < 2 * len(ids):
        return Q(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]})
    return Q(**{f"{field}__in": ids})


def _grouped(model, among: Q, *fields: str) -> dict[int, list[tuple]]:
    groups: dict[int, list[tuple]] = defaultdict(list)
    rows = (
        model.objects.filter(among)
        .order_by("offering_id", "pk")
        .values_list("offering_id", *fields)
    )
    for row in rows:
        groups[row[0]].append(row[1:])
    return groups


def _team(among: Q) -> dict[int, list[Member]]:
    team: dict[int, list[Member]] = defaultdict(list)
    rows = (
        TeamMember.objects.filter(among)
        .order_by("offering_id", "position", "pk")
        .values_list("offering_id", "name", "anonymous", "experienced", "advisor", "profile_url")
    )
    for offering_id, name, anonymous, experienced, advisor, profile_url in rows:
        unnamed = not name.strip()
        team[offering_id].append(
            _member(
                not unnamed and not anonymous,
                anonymous or unnamed,
                experienced,
                advisor,
                bool(profile_url),
            )
        )
    return team


def _venues(rows: list[tuple]) -> dict[int, VenueFacts]:
    """The facts of each venue of the offering rows, built once per venue."""
    venue_rows = {row[_VENUE]: row[_VENUE + 1 :] for row in rows if row[_VENUE] is not None}
    if not venue_rows:
        return {}
    incidents: dict[int, list[tuple]] = defaultdict(list)
    for venue_id, occurred_on, kind in SecurityIncident.objects.filter(
        venue_id__in=sorted(venue_rows)
    ).values_list("venue_id", "occurred_on", "kind"):
        incidents[venue_id].append((occurred_on, kind))
    return {
        venue_id: VenueFacts(
            name=name,
            kind=kind,
            licensed=licensed,
            kyc_aml_enforced=kyc_aml_enforced,
            reputation_tier=reputation_tier,
            incidents=tuple(Incident(*row) for row in sorted(incidents[venue_id])),
        )
        for venue_id, (
            name,
            kind,
            licensed,
            kyc_aml_enforced,
            reputation_tier,
        ) in venue_rows.items()
    }


def _markets(among: Q) -> dict[int, MarketFacts]:
    """The market facts of each offering the market-data refresh has seen (one query)."""
    rows = MarketSummary.objects.filter(among).values_list(
        "offering_id",
        "listed",
        "delisted",
        "price_usd",
        "peak_30d_usd",
        "low_after_peak_usd",
        "market_cap_usd",
        "volume_24h_usd",
    )
    return {row[0]: MarketFacts(*row[1:]) for row in rows}


def _whitepaper_texts(among: Q) -> dict[int, str]:
    """The extracted text of each offering's newest whitepaper document, when there is one."""
    texts: dict[int, str] = {}
    rows = (
        Document.objects.filter(among, kind=Document.Kind.WHITEPAPER)
        .exclude(text="")
        .order_by("offering_id", "-uploaded_at")
        .values_list("offering_id", "text")
    )
    for offering_id, text in rows:
        texts.setdefault(offering_id, text)
    return texts
