"""Vesting schedules as unlock events: pure functions, no database.

A schedule unlocks `tge_percent` of its allocation on the vesting start, then the rest over
`vesting_months` counted from that start (the cliff inside them): nothing until the cliff, the
share accrued by then on the cliff's date, then a tranche per day, month or quarter (`once`:
all of it when the vesting ends). Months are calendar months counted from the start, so a start
on 31 January unlocks on 29 February in a leap year, then 31 March, 30 April.

Amounts are cumulative fractions (exact `Fraction`s) rounded once per event, and each event is
the difference of two rounded cumulative amounts: the events of an allocation add up to exactly
the allocation, whatever the rounding.
"""

from __future__ import annotations

import calendar
import datetime as dt
import decimal
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

DAILY, MONTHLY, QUARTERLY, ONCE = "daily", "monthly", "quarterly", "once"
TGE, CLIFF, LINEAR = "tge", "cliff", "linear"
PERCENT_PLACES = Decimal("0.00000001")
CIRCULATING_PLACES = Decimal("0.0001")
TOKEN_PLACES = Decimal("0.000000000000000001")
# Token amounts reach 40 digits: wider than the default context's 28.
_WIDE = decimal.Context(prec=80)


@dataclass(frozen=True, slots=True)
class Schedule:
    """One allocation's vesting schedule; `percent` is its share of the supply (None: unknown)."""

    allocation_id: int
    bucket: str
    percent: Decimal | None
    tge_percent: Decimal | None
    cliff_months: int | None
    vesting_months: int | None
    frequency: str
    start: dt.date | None

    @property
    def known(self) -> bool:
        """Whether it says when anything unlocks: a start and a vesting length or TGE share."""
        return self.start is not None and (
            self.vesting_months is not None or self.tge_percent is not None
        )


@dataclass(frozen=True, slots=True)
class Unlock:
    """One day's unlock of one allocation, and what was unlocked in all after it."""

    allocation_id: int
    bucket: str
    date: dt.date
    kind: str
    percent_of_allocation: Decimal
    percent_of_supply: Decimal | None
    tokens: Decimal | None
    final: bool
    percent_of_circulating: Decimal | None = None
    cumulative_percent: Decimal | None = None
    cumulative_tokens: Decimal | None = None


def add_months(start: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later, or that month's last day when it is shorter."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def vesting_points(schedule: Schedule) -> list[tuple[dt.date, str, Fraction]]:
    """(date, kind, share of the allocation unlocked by the end of that day), in date order.
    Empty when the schedule is not known; ends short of 1 when only a TGE share is stated."""
    if not schedule.known:
        return []
    start = schedule.start
    tge = Fraction(schedule.tge_percent or 0) / 100
    months = schedule.vesting_months
    if months == 0 or tge >= 1:
        return [(start, TGE, Fraction(1))]
    points = [(start, TGE, tge)] if tge else []
    if months is None:
        return points
    rest, cliff = 1 - tge, schedule.cliff_months or 0
    if schedule.frequency == ONCE:
        return [*points, (add_months(start, months), CLIFF, Fraction(1))]
    if schedule.frequency == DAILY:
        return points + _daily(start, months, cliff, tge, rest)
    step = 3 if schedule.frequency == QUARTERLY else 1
    if cliff:
        points.append((add_months(start, cliff), CLIFF, tge + rest * Fraction(cliff, months)))
    ends = [*range(step, months, step), months]
    for month in ends:
        if month > cliff:
            points.append((add_months(start, month), LINEAR, tge + rest * Fraction(month, months)))
    return points


def _daily(
    start: dt.date, months: int, cliff: int, tge: Fraction, rest: Fraction
) -> list[tuple[dt.date, str, Fraction]]:
    days = (add_months(start, months) - start).days
    cliff_days = (add_months(start, cliff) - start).days
    points = []
    if cliff_days:
        points.append((add_months(start, cliff), CLIFF, tge + rest * Fraction(cliff_days, days)))
    one_day = dt.timedelta(days=1)
    for day in range(cliff_days + 1, days + 1):
        points.append((start + one_day * day, LINEAR, tge + rest * Fraction(day, days)))
    return points


def _rounded(value: Fraction, places: Decimal) -> Decimal:
    exact = _WIDE.divide(Decimal(value.numerator), Decimal(value.denominator))
    return exact.quantize(places, rounding=decimal.ROUND_HALF_EVEN, context=_WIDE)


def allocation_unlocks(schedule: Schedule, total_supply: Decimal | None) -> list[Unlock]:
    """The allocation's unlocks; tokens and shares of the supply unknown (None) when its share
    is unknown, tokens unknown without the total supply. Each amount is the difference of two
    rounded cumulative amounts, so the events add up to the allocation exactly."""
    points = vesting_points(schedule)
    percent = None if schedule.percent is None else Fraction(schedule.percent)
    tokens = None if percent is None or total_supply is None else Fraction(total_supply) * percent
    unlocks = []
    before = (Decimal(0), Decimal(0), Decimal(0))
    for index, (date, kind, share) in enumerate(points):
        after = (
            _rounded(share * 100, PERCENT_PLACES),
            None if percent is None else _rounded(share * percent, PERCENT_PLACES),
            None if tokens is None else _rounded(share * tokens / 100, TOKEN_PLACES),
        )
        unlocks.append(
            Unlock(
                allocation_id=schedule.allocation_id,
                bucket=schedule.bucket,
                date=date,
                kind=kind,
                percent_of_allocation=after[0] - before[0],
                percent_of_supply=None if after[1] is None else after[1] - before[1],
                tokens=None if after[2] is None else after[2] - before[2],
                final=index == len(points) - 1,
            )
        )
        before = after
    return unlocks


def offering_unlocks(schedules: list[Schedule], total_supply: Decimal | None) -> list[Unlock]:
    """Every allocation's unlocks in date order, each with its share of the supply circulating
    the day before (None on the first day, when nothing circulated, or when the share is
    unknown) and the offering's cumulative unlocked share after its day.

    Circulating supply here is what the recorded schedules have unlocked: allocations without
    a schedule, or with an unknown share, are not counted."""
    unlocks = [u for s in schedules for u in allocation_unlocks(s, total_supply)]
    by_day: dict[dt.date, list[Unlock]] = defaultdict(list)
    for unlock in unlocks:
        by_day[unlock.date].append(unlock)
    circulating, circulating_tokens = Decimal(0), Decimal(0)
    known_tokens = total_supply is not None
    dated = []
    for day in sorted(by_day):
        events = sorted(by_day[day], key=lambda u: (u.bucket, u.allocation_id))
        added = sum((u.percent_of_supply or 0 for u in events), Decimal(0))
        added_tokens = sum((u.tokens or 0 for u in events), Decimal(0))
        after, after_tokens = circulating + added, circulating_tokens + added_tokens
        for unlock in events:
            share = None
            if unlock.percent_of_supply is not None and circulating > 0:
                share = _WIDE.divide(unlock.percent_of_supply * 100, circulating).quantize(
                    CIRCULATING_PLACES, context=_WIDE
                )
            dated.append(
                _with(
                    unlock,
                    percent_of_circulating=share,
                    cumulative_percent=after if after else None,
                    cumulative_tokens=after_tokens if known_tokens and after_tokens else None,
                )
            )
        circulating, circulating_tokens = after, after_tokens
    return dated


def _with(unlock: Unlock, **changes) -> Unlock:
    values = {name: getattr(unlock, name) for name in Unlock.__slots__}
    return Unlock(**(values | changes))
