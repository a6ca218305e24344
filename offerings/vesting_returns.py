"""Vesting-adjusted returns: what a sale round's buyer could sell, and for how much.

A round's buyers hold the allocation their round sold from (seed, private and presale rounds
the presale bucket, the public round the public sale's). Selling each tranche on the first
quoted day on or after its unlock, the round earns the average of those prices, weighted by
tranche, over its price; the plain ROI sells everything at today's price as if nothing were
locked. Pure functions: the caller passes the events and the daily prices.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

ROUND_BUCKETS = {
    "seed": "presale",
    "private": "presale",
    "presale": "presale",
    "public": "public_sale",
}
PLACES = Decimal("0.0001")


class Tranche(Protocol):
    bucket: str
    date: dt.date
    percent_of_allocation: Decimal


@dataclass(frozen=True)
class RoundReturn:
    kind: str
    price_usd: Decimal
    bucket: str
    sellable_percent: Decimal | None  # of the round's tokens, unlocked by today
    roi: Decimal | None  # today's price over the round's, minus 1
    vesting_adjusted_roi: Decimal | None  # selling each tranche when it unlocked
    tranches_sold: int
    tranches_unlocked: int


def round_returns(
    *,
    rounds: Iterable[tuple[str, Decimal | None]],
    tranches: Sequence[Tranche],
    daily_prices: Sequence[tuple[dt.date, Decimal]],
    price_now: Decimal | None,
    today: dt.date,
) -> list[RoundReturn]:
    """One return per priced round (rounds without a price are left out)."""
    days = [day for day, _ in daily_prices]
    results = []
    for kind, price in rounds:
        if not price:
            continue
        bucket = ROUND_BUCKETS[kind]
        own = [t for t in tranches if t.bucket == bucket]
        unlocked = [t for t in own if t.date <= today]
        sold_share, proceeds = Decimal(0), Decimal(0)
        for tranche in unlocked:
            index = bisect.bisect_left(days, tranche.date)
            if index < len(days):  # quoted on or after the unlock: sold then
                sold_share += tranche.percent_of_allocation
                proceeds += tranche.percent_of_allocation * daily_prices[index][1]
        sold = sum(1 for t in unlocked if bisect.bisect_left(days, t.date) < len(days))
        results.append(
            RoundReturn(
                kind=kind,
                price_usd=price,
                bucket=bucket,
                sellable_percent=(
                    sum((t.percent_of_allocation for t in unlocked), Decimal(0)).quantize(PLACES)
                    if own
                    else None
                ),
                roi=None if price_now is None else _roi(price_now, price),
                vesting_adjusted_roi=(_roi(proceeds / sold_share, price) if sold_share else None),
                tranches_sold=sold,
                tranches_unlocked=len(unlocked),
            )
        )
    return results


def offering_round_returns(
    offering,
    *,
    today: dt.date,
    tranches: Sequence[Tranche] | None = None,
    rounds: Iterable | None = None,
) -> list[RoundReturn]:
    """The returns of an offering with loaded rounds (or given in `rounds`) and market summary
    (none without market data or a priced round; reads the events unless given, and every
    quoted day's price)."""
    from django.core.exceptions import ObjectDoesNotExist

    from offerings.models import UnlockEvent

    try:
        summary = offering.market_summary
    except ObjectDoesNotExist:
        return []
    if rounds is None:
        rounds = offering.rounds.all()
    priced = [(r.kind, r.price_usd) for r in rounds if r.price_usd]
    if not priced:
        return []
    if tranches is None:
        tranches = list(
            UnlockEvent.objects.filter(offering=offering).only(
                "bucket", "date", "percent_of_allocation"
            )
        )
    if not tranches:
        return []
    return round_returns(
        rounds=priced,
        tranches=tranches,
        daily_prices=daily_prices_all(offering),
        price_now=summary.price_usd,
        today=today,
    )


def daily_prices_all(offering) -> list[tuple[dt.date, Decimal]]:
    """The average quoted price of every quoted day since listing (one query)."""
    from django.db.models import Avg
    from django.db.models.functions import TruncDate

    from offerings.models import MarketSnapshot

    rows = (
        MarketSnapshot.objects.filter(offering=offering, price_usd__isnull=False)
        .annotate(day=TruncDate("time"))
        .values("day")
        .annotate(price=Avg("price_usd"))
        .order_by("day")
        .values_list("day", "price")
    )
    return [(day, Decimal(price)) for day, price in rows]


def round_returns_record(results: list[RoundReturn]) -> list[dict]:
    """The API's `vesting_returns`: exact decimals as strings, ratios (0.5 is +50%)."""

    def text(value: Decimal | None) -> str | None:
        return None if value is None else format(value.normalize(), "f")

    return [
        {
            "round": r.kind,
            "price_usd": text(r.price_usd),
            "bucket": r.bucket,
            "sellable_percent": text(r.sellable_percent),
            "vesting_adjusted_roi": text(r.vesting_adjusted_roi),
            "roi": text(r.roi),
            "tranches_sold": r.tranches_sold,
            "tranches_unlocked": r.tranches_unlocked,
        }
        for r in results
    ]


def _roi(value: Decimal, price: Decimal) -> Decimal:
    return (value / price - 1).quantize(PLACES)
