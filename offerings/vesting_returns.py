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


def _roi(value: Decimal, price: Decimal) -> Decimal:
    return (value / price - 1).quantize(PLACES)
