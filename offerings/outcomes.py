"""Sale outcomes: derived from the market data, or recorded by analysts with a source.

Derived outcomes (all read-only, recomputed by `sale_outcomes_derive`):
- `listed`: the token was first seen trading (a price or an exchange pair) within
  TRACK_RECORD_LISTING_DAYS of the sale's end;
- `not_listed`: that window is over, the market data was checked after it, and no trade was
  seen within it (when the first trade came later, only if the past prices were loaded, since
  otherwise the first trade seen is only when we started looking);
- `delisted`: the token had exchange pairs and none of them trades any more;
- `below_sale_price`: one year after the sale's end, the last price quoted in the 30 days up
  to that day was below the sale price.
Analysts record `failed`, `abandoned`, `exit_scam` and `regulator_action`, each with a source
URL and a note (`sale_outcome_record`).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from offerings.amounts import canonical
from offerings.models import Listing, MarketSnapshot, Offering, SaleOutcome

CHUNK = 1000
ONE_YEAR = dt.timedelta(days=365)
# The price "one year on" is the last quote in this many days up to the anniversary.
ANNIVERSARY_LOOKBACK = dt.timedelta(days=30)
Kind = SaleOutcome.Kind


@dataclass(frozen=True)
class MarketView:
    """What the market data says of one offering, for deriving its outcomes."""

    first_traded: dt.datetime | None = None
    checked_at: dt.datetime | None = None  # the latest listings check or history load
    history_loaded: bool = False
    pairs: int = 0
    pairs_listed: int = 0
    last_traded: dt.datetime | None = None  # of the delisted pairs
    anniversary_price: Decimal | None = None
    anniversary_at: dt.datetime | None = None


@dataclass(frozen=True)
class Derived:
    kind: str
    occurred_on: dt.date | None
    evidence: str


def derived_outcomes(
    *,
    end_date: dt.date,
    sale_price: Decimal | None,
    market: MarketView,
    today: dt.date,
    window_days: int,
) -> list[Derived]:
    """The outcomes the market data supports for a sale that ended on `end_date` (pure)."""
    found: list[Derived] = []
    window_end = end_date + dt.timedelta(days=window_days)
    first = market.first_traded.date() if market.first_traded else None
    if first is not None and first <= window_end:
        days = (first - end_date).days
        found.append(
            Derived(Kind.LISTED, first, f"first traded {first}, {days} days after the sale")
        )
    elif window_end < today and market.checked_at and market.checked_at.date() > window_end:
        if first is None:
            evidence = f"no trade seen within {window_days} days of the sale's end"
            found.append(Derived(Kind.NOT_LISTED, window_end, evidence))
        elif market.history_loaded:
            days = (first - end_date).days
            evidence = f"first traded {first}, {days} days after the sale (past prices loaded)"
            found.append(Derived(Kind.NOT_LISTED, window_end, evidence))
    if market.pairs and not market.pairs_listed:
        last = market.last_traded.date() if market.last_traded else None
        evidence = f"all {market.pairs} exchange pairs delisted" + (
            f"; last traded {last}" if last else ""
        )
        found.append(Derived(Kind.DELISTED, last, evidence))
    anniversary = end_date + ONE_YEAR
    price = market.anniversary_price
    if anniversary < today and sale_price and price is not None and price < sale_price:
        on = market.anniversary_at.date() if market.anniversary_at else anniversary
        evidence = f"price {canonical(price)} USD on {on} vs sale price {canonical(sale_price)} USD"
        found.append(Derived(Kind.BELOW_SALE_PRICE, anniversary, evidence))
    return found


@dataclass
class DeriveReport:
    offerings: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0


def sale_outcomes_derive(
    *,
    offerings: QuerySet[Offering] | None = None,
    today: dt.date | None = None,
    chunk: int = CHUNK,
) -> DeriveReport:
    """Bring the derived outcomes of every ended sale in line with the market data: a chunk at
    a time (ordered by end date, so the anniversary prices of a chunk are one narrow range of
    snapshots), 4 reads and one transaction of writes per chunk."""
    today = today or timezone.localdate()
    window_days = settings.TRACK_RECORD_LISTING_DAYS
    report = DeriveReport()
    ended = (offerings if offerings is not None else Offering.objects.all()).filter(
        end_date__lt=today
    )
    last: tuple[dt.date, int] | None = None
    while True:
        page = ended.order_by("end_date", "pk")
        if last is not None:
            page = page.filter(Q(end_date__gt=last[0]) | Q(end_date=last[0], pk__gt=last[1]))
        rows = list(
            page.values_list(
                "pk",
                "end_date",
                "token_price_usd",
                "market_summary__listed_at",
                "market_summary__listings_checked_at",
                "market_summary__history_loaded_at",
            )[:chunk]
        )
        if not rows:
            return report
        last = (rows[-1][1], rows[-1][0])
        markets = _market_views(rows, today)
        wanted = {
            pk: derived_outcomes(
                end_date=end_date,
                sale_price=sale_price,
                market=markets[pk],
                today=today,
                window_days=window_days,
            )
            for pk, end_date, sale_price, *_ in rows
        }
        _sync(wanted, report)
        report.offerings += len(rows)


def _market_views(rows: list[tuple], today: dt.date) -> dict[int, MarketView]:
    """Each offering's market view: its summary columns (in `rows`), its pairs (one query) and
    its price around the anniversary of its sale's end (one query)."""
    ids = [row[0] for row in rows]
    pairs = {
        row["offering_id"]: row
        for row in Listing.objects.filter(offering_id__in=ids)
        .values("offering_id")
        .annotate(
            first=Min("first_seen"),
            pairs=Count("pk"),
            listed=Count("pk", filter=Q(status=Listing.Status.LISTED)),
            last=Max("last_seen", filter=Q(status=Listing.Status.DELISTED)),
        )
        .order_by()
    }
    anniversaries = {pk: end + ONE_YEAR for pk, end, *_ in rows if end + ONE_YEAR < today}
    prices = _anniversary_prices(anniversaries)
    views = {}
    for pk, _end, _price, listed_at, checked_at, history_at in rows:
        listing = pairs.get(pk, {})
        firsts = [t for t in (listed_at, listing.get("first")) if t is not None]
        checks = [t for t in (checked_at, history_at) if t is not None]
        price_at, price = prices.get(pk, (None, None))
        views[pk] = MarketView(
            first_traded=min(firsts, default=None),
            checked_at=max(checks, default=None),
            history_loaded=history_at is not None,
            pairs=listing.get("pairs", 0),
            pairs_listed=listing.get("listed", 0),
            last_traded=listing.get("last"),
            anniversary_price=price,
            anniversary_at=price_at,
        )
    return views


def _anniversary_prices(
    anniversaries: dict[int, dt.date],
) -> dict[int, tuple[dt.datetime, Decimal]]:
    """The last quote of each offering in the lookback up to its anniversary (one query over
    the span of the chunk's anniversaries)."""
    if not anniversaries:
        return {}
    utc = dt.UTC
    start = dt.datetime.combine(min(anniversaries.values()), dt.time(), utc) - ANNIVERSARY_LOOKBACK
    end = dt.datetime.combine(max(anniversaries.values()), dt.time(), utc) + dt.timedelta(days=1)
    prices: dict[int, tuple[dt.datetime, Decimal]] = {}
    rows = MarketSnapshot.objects.filter(
        offering_id__in=list(anniversaries),
        time__gte=start,
        time__lt=end,
        price_usd__isnull=False,
    ).values_list("offering_id", "time", "price_usd")
    for offering_id, time, price in rows:
        day_end = dt.datetime.combine(anniversaries[offering_id], dt.time(), utc) + dt.timedelta(
            days=1
        )
        in_lookback = day_end - ANNIVERSARY_LOOKBACK <= time < day_end
        if in_lookback and (offering_id not in prices or time > prices[offering_id][0]):
            prices[offering_id] = (time, price)
    return prices


def _sync(wanted: dict[int, list[Derived]], report: DeriveReport) -> None:
    """Make the stored derived outcomes of these offerings what `wanted` says (one transaction;
    nothing is written for offerings already right)."""
    with transaction.atomic():
        stored: dict[int, dict[str, tuple]] = defaultdict(dict)
        for pk, offering_id, kind, occurred_on, evidence in SaleOutcome.objects.filter(
            offering_id__in=list(wanted), derived=True
        ).values_list("pk", "offering_id", "kind", "occurred_on", "evidence"):
            stored[offering_id][kind] = (pk, occurred_on, evidence)
        now = timezone.now()
        new, changed, gone = [], [], []
        for offering_id, outcomes in wanted.items():
            have = stored.get(offering_id, {})
            kinds = {o.kind for o in outcomes}
            gone += [pk for kind, (pk, *_) in have.items() if kind not in kinds]
            for o in outcomes:
                if o.kind not in have:
                    new.append(_derived_row(offering_id, o, now))
                elif have[o.kind][1:] != (o.occurred_on, o.evidence):
                    row = _derived_row(offering_id, o, now)
                    row.pk = have[o.kind][0]
                    changed.append(row)
        if gone:
            SaleOutcome.objects.filter(pk__in=gone).delete()
        SaleOutcome.objects.bulk_create(new, batch_size=1000)
        SaleOutcome.objects.bulk_update(
            changed, ["occurred_on", "evidence", "recorded_at"], batch_size=1000
        )
    report.created += len(new)
    report.updated += len(changed)
    report.removed += len(gone)


def _derived_row(offering_id: int, derived: Derived, now: dt.datetime) -> SaleOutcome:
    return SaleOutcome(
        offering_id=offering_id,
        kind=derived.kind,
        derived=True,
        occurred_on=derived.occurred_on,
        evidence=derived.evidence[:300],
        recorded_at=now,
    )


def sale_outcome_record(
    *,
    offering: Offering,
    kind: str,
    source_url: str,
    note: str = "",
    occurred_on: dt.date | None = None,
    user: Any,
) -> SaleOutcome:
    """Record an analyst's outcome (failed, abandoned, exit scam, regulator action) with its
    source; one of each kind per offering."""
    existing = (
        SaleOutcome.objects.filter(offering=offering, kind=kind)
        .select_related("recorded_by")
        .first()
    )
    if existing is not None:
        who = existing.recorded_by or "the market data"
        raise ValidationError(
            {
                "kind": f"kind {kind!r} is already recorded for this offering "
                f"(by {who} on {existing.recorded_at:%Y-%m-%d}); change it in the admin"
            }
        )
    outcome = SaleOutcome(
        offering=offering,
        kind=kind,
        derived=False,
        occurred_on=occurred_on,
        source_url=(source_url or "").strip(),
        note=(note or "").strip(),
        recorded_by=user,
        recorded_at=timezone.now(),
    )
    outcome.full_clean()
    outcome.save()
    return outcome
