"""Plain, immutable facts about offerings, built in bulk for the checklist rules.

Rules never touch the ORM: `facts_for()` reads offerings in chunks with a fixed number of queries
per chunk (offerings with venues, then one query per kind of part) whatever the chunk size.
Columns reach facts by name (SCALAR_COLUMNS, VENUE_COLUMNS), never by position.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, fields
from decimal import Decimal
from functools import cache
from operator import itemgetter

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from diligence.contract_facts import ContractFacts, contract_facts
from diligence.record_facts import RecordFacts, record_facts_for
from diligence.unlock_facts import UnlockFacts, unlock_facts_for
from offerings.models import (
    Absence,
    Audit,
    Document,
    MarketSummary,
    Offering,
    SaleRound,
    SecurityIncident,
    SocialLink,
    TeamMember,
    TokenAllocation,
    WhitepaperMatch,
    WhitepaperSignature,
)
from offerings.queries import among_ids
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
    percent: Decimal | None  # share of supply; None when only the vesting is known
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
class CopiedFrom:
    """An earlier whitepaper of another offering that this one shares passages with."""

    source_name: str
    source_slug: str
    source_published: dt.date
    share: float  # of this whitepaper's words, boilerplate excluded, 0-1
    passages: tuple[tuple[str, str], ...]  # (this text, the earlier text), longest first


@dataclass(frozen=True, slots=True)
class WhitepaperCopyFacts:
    """The copied-whitepaper check of the offering's indexed whitepaper (provenance: which
    document, fetched or uploaded when, compared when); `matches` empty: checked, none."""

    document_id: int
    document_url: str
    document_date: dt.datetime
    compared_at: dt.datetime
    matches: tuple[CopiedFrom, ...]


@dataclass(frozen=True, slots=True)
class OfferingFacts:
    """What the rules may read about one offering.

    Parts an analyst can check have three states: ``None`` when not recorded (unknown), an
    empty tuple / ``0`` / an empty set when checked and none exist, else what was recorded.
    """

    offering_id: int
    name: str
    kind: str
    status: str | None
    today: dt.date
    token_type: str
    start_date: dt.date | None
    end_date: dt.date | None
    team: tuple[Member, ...] | None
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
    allocations: tuple[Allocation, ...] | None
    rounds: tuple[Round, ...] | None
    product_stage: str
    code_url: str
    code_public: bool | None
    audits: int | None
    venue: VenueFacts | None
    website: str
    socials: frozenset[str] | None
    backers: tuple[str, ...] | None
    market: MarketFacts | None = None
    bonus: bool | None = None
    contract: ContractFacts | None = None
    unlocks: UnlockFacts | None = None  # None: no unlock schedule recorded
    records: RecordFacts | None = None  # public records; None: not built (unknown)
    whitepaper_copy: WhitepaperCopyFacts | None = None  # None: no whitepaper text indexed

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
    """Facts in lists of up to `chunk` offerings, each list read with 14 queries."""
    today = today or timezone.localdate()
    queryset = (offerings if offerings is not None else Offering.objects.all()).order_by("pk")
    last_id = 0
    while True:
        rows = list(queryset.filter(pk__gt=last_id).values_list(*_SELECTED)[:chunk])
        if not rows:
            return
        last_id = rows[-1][0]
        yield _facts(rows, today)


# Facts read straight from a column, declared once as OfferingFacts attribute -> Offering
# column: each row is matched to these names, so a column can only reach its own fact.
SCALAR_COLUMNS: dict[str, str] = {
    "name": "name",
    "kind": "kind",
    "token_type": "token_type",
    "start_date": "start_date",
    "end_date": "end_date",
    "team_size": "team_size",
    "legal_entity": "legal_entity",
    "country": "country",
    "postal_address": "postal_address",
    "regulatory_filing": "regulatory_filing",
    "description": "description",
    "claims": "claims",
    "whitepaper_url": "whitepaper_url",
    "whitepaper_pages": "whitepaper_pages",
    "roadmap": "roadmap",
    "use_of_proceeds": "use_of_proceeds",
    "cap_currency": "cap_currency",
    "soft_cap": "soft_cap",
    "hard_cap": "hard_cap",
    "raised_usd": "raised_usd",
    "token_price_usd": "token_price_usd",
    "total_supply": "total_supply",
    "tokens_for_sale": "tokens_for_sale",
    "supply_fixed": "supply_fixed",
    "refund_policy": "refund_policy",
    "kyc": "kyc",
    "product_stage": "product_stage",
    "code_url": "code_url",
    "code_public": "code_public",
    "website": "website",
    "bonus": "bonus",
}
# VenueFacts attribute -> column, through the offering's venue (one join).
VENUE_COLUMNS: dict[str, str] = {
    "name": "venue__name",
    "kind": "venue__kind",
    "licensed": "venue__licensed",
    "kyc_aml_enforced": "venue__kyc_aml_enforced",
    "reputation_tier": "venue__reputation_tier",
}
# Columns that make derived facts (status, backers, venue), then the scalars, then the venue's.
_DERIVED = ("pk", "declared_status", "backers", "venue_id")
_SELECTED = (*_DERIVED, *SCALAR_COLUMNS.values(), *VENUE_COLUMNS.values())
_VENUE = slice(len(_DERIVED) + len(SCALAR_COLUMNS), None)
_VENUE_NAMES = tuple(VENUE_COLUMNS)
# Facts _facts() works out for each row, in the order it appends them to the row.
_COMPUTED = (
    "offering_id",
    "status",
    "today",
    "team",
    "whitepaper_text",
    "allocations",
    "rounds",
    "audits",
    "venue",
    "socials",
    "backers",
    "market",
    "contract",
    "unlocks",
    "records",
    "whitepaper_copy",
)
# Where each fact sits in a row followed by its computed facts, found by name.
_SLOT = {name: len(_DERIVED) + index for index, name in enumerate(SCALAR_COLUMNS)}
_SLOT.update({name: len(_SELECTED) + index for index, name in enumerate(_COMPUTED)})
if set(_SLOT) != {f.name for f in fields(OfferingFacts)}:  # pragma: no cover - a wiring error
    raise ImportError(
        f"facts without a source: {sorted({f.name for f in fields(OfferingFacts)} ^ set(_SLOT))}"
    )
# A row followed by its computed facts -> OfferingFacts' arguments, in its field order: the
# positions come from the names, so the constructor is called by name at positional speed.
_arguments = itemgetter(*(_SLOT[f.name] for f in fields(OfferingFacts)))
_START, _END = _SLOT["start_date"], _SLOT["end_date"]
_CLAIM = _SLOT["regulatory_filing"]
# Members have only 48 possible values; sharing the frozen instances saves building them.
_member = cache(Member)


def _facts(rows: list[tuple], today: dt.date) -> list[OfferingFacts]:
    """Facts from offering rows (ascending ids), reading their parts with 13 more queries."""
    ids = [row[0] for row in rows]
    among = among_ids(ids)
    checked_none = _absences(among)
    team = _team(among)
    allocations = _grouped(TokenAllocation, among, *_names(Allocation))
    rounds = _grouped(SaleRound, among, *_names(Round))
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
    contracts = contract_facts(among_ids(ids, "pk"))
    unlocks = unlock_facts_for(among, today)
    records = record_facts_for(among, ids, contracts, {row[0]: row[_CLAIM] for row in rows})
    copies = _whitepaper_copies(among)
    facts = []
    for row in rows:
        pk, declared_status, backers, venue_id = row[: len(_DERIVED)]
        none = checked_none.get(pk, ())
        member_rows = team.get(pk)
        allocation_rows = allocations.get(pk)
        round_rows = rounds.get(pk)
        social_rows = socials.get(pk)
        computed = (  # in _COMPUTED's order (test_facts checks each of them by name)
            pk,
            declared_status or derive_status(row[_START], row[_END], today),
            today,
            tuple(member_rows) if member_rows else _empty("team", none),
            texts.get(pk, ""),
            tuple(Allocation(*r) for r in allocation_rows)
            if allocation_rows
            else _empty("allocations", none),
            tuple(Round(*r) for r in round_rows) if round_rows else _empty("rounds", none),
            audits.get(pk) or (0 if "audits" in none else None),
            venues.get(venue_id),
            frozenset(network for (network,) in social_rows)
            if social_rows
            else (frozenset() if "socials" in none else None),
            None if backers is None else tuple(backers),
            markets.get(pk),
            contracts.get(pk),
            unlocks.get(pk),
            records[pk],
            copies.get(pk),
        )
        facts.append(OfferingFacts(*_arguments(row + computed)))
    return facts


@cache
def _names(kind: type) -> tuple[str, ...]:
    """The fields of a part's dataclass, in order: they name the columns it is built from, so
    positional construction from those columns is by name."""
    return tuple(f.name for f in fields(kind))


def _empty(part: str, checked_none: tuple[str, ...]) -> tuple | None:
    """A part without rows: checked and none exist (an empty tuple), or not recorded (None)."""
    return () if part in checked_none else None


def _absences(among: Q) -> dict[int, tuple[str, ...]]:
    """The parts an analyst checked and found none of, by offering (one query)."""
    parts: dict[int, list[str]] = defaultdict(list)
    for offering_id, part in Absence.objects.filter(among).values_list("offering_id", "part"):
        parts[offering_id].append(part)
    return {offering_id: tuple(found) for offering_id, found in parts.items()}


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
                named=not unnamed and not anonymous,
                anonymous=anonymous or unnamed,
                experienced=experienced,
                advisor=advisor,
                has_profile=bool(profile_url),
            )
        )
    return team


def _venues(rows: list[tuple]) -> dict[int, VenueFacts]:
    """The facts of each venue of the offering rows, built once per venue."""
    venue_id_at = _DERIVED.index("venue_id")
    venue_rows = {row[venue_id_at]: row[_VENUE] for row in rows if row[venue_id_at] is not None}
    if not venue_rows:
        return {}
    incidents: dict[int, list[tuple]] = defaultdict(list)
    for venue_id, occurred_on, kind in SecurityIncident.objects.filter(
        venue_id__in=sorted(venue_rows)
    ).values_list("venue_id", *_names(Incident)):
        incidents[venue_id].append((occurred_on, kind))
    return {
        venue_id: VenueFacts(
            **dict(zip(_VENUE_NAMES, values, strict=True)),
            incidents=tuple(Incident(*row) for row in sorted(incidents[venue_id])),
        )
        for venue_id, values in venue_rows.items()
    }


def _markets(among: Q) -> dict[int, MarketFacts]:
    """The market facts of each offering the market-data refresh has seen (one query)."""
    rows = MarketSummary.objects.filter(among).values_list("offering_id", *_names(MarketFacts))
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


def _whitepaper_copies(among: Q) -> dict[int, WhitepaperCopyFacts]:
    """The copied-whitepaper check of each offering whose whitepaper is indexed (2 queries)."""
    matches: dict[int, list[CopiedFrom]] = defaultdict(list)
    rows = WhitepaperMatch.objects.filter(among).values_list(
        "offering_id",
        "source_offering__name",
        "source_offering__slug",
        "source_offering__start_date",
        "source_document__uploaded_at",
        "share",
        "passages",
    )
    for offering_id, name, slug, start, uploaded, share, passages in rows:
        matches[offering_id].append(
            CopiedFrom(
                name,
                slug,
                start or uploaded.date(),
                share,
                tuple((p["text"], p["source_text"]) for p in passages),
            )
        )
    signatures = WhitepaperSignature.objects.filter(among).values_list(
        "offering_id", "document_id", "document__url", "document__uploaded_at", "compared_at"
    )
    return {
        offering_id: WhitepaperCopyFacts(
            document_id,
            url,
            uploaded,
            compared_at,
            tuple(sorted(matches.get(offering_id, ()), key=lambda m: -m.share)),
        )
        for offering_id, document_id, url, uploaded, compared_at in signatures
        if compared_at is not None
    }
