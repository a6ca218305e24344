"""Server-rendered SVG for unlocks: the calendar's month timeline and an offering's supply."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from offerings.models import TokenAllocation, UnlockEvent
from offerings.unlocks import add_months

CHART_WIDTH = 360
TIMELINE_HEIGHT = 140
SUPPLY_HEIGHT = 160
MAX_MONTHS = 24
BUCKET_ORDER = [bucket for bucket, _ in TokenAllocation.Bucket.choices]
BUCKET_LABELS = dict(TokenAllocation.Bucket.choices)


@dataclass(frozen=True)
class Bar:
    bucket: str
    label: str
    count: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Month:
    start: dt.date
    label: str
    total: int
    x: float
    bars: list[Bar]


def month_timeline(counts: dict[tuple[dt.date, str], int], start: dt.date, end: dt.date) -> dict:
    """A bar per month from `start` to `end` (at most MAX_MONTHS), stacked by bucket."""
    first = start.replace(day=1)
    months = []
    while len(months) < MAX_MONTHS and add_months(first, len(months)) <= end:
        months.append(add_months(first, len(months)))
    totals = {m: sum(counts.get((m, b), 0) for b in BUCKET_ORDER) for m in months}
    tallest = max(totals.values(), default=0) or 1
    slot = CHART_WIDTH / max(len(months), 1)
    plot = TIMELINE_HEIGHT - 20
    bars_by_month = []
    for index, month in enumerate(months):
        x, top, bars = round(index * slot + slot * 0.1, 2), float(plot), []
        for bucket in BUCKET_ORDER:
            count = counts.get((month, bucket), 0)
            if not count:
                continue
            height = count * plot / tallest
            top -= height
            bars.append(
                Bar(
                    bucket,
                    BUCKET_LABELS[bucket],
                    count,
                    x,
                    round(top, 2),
                    round(slot * 0.8, 2),
                    round(height, 2),
                )
            )
        label = month.strftime("%b %Y") if len(months) <= 12 else month.strftime("%m/%y")
        bars_by_month.append(Month(month, label, totals[month], x, bars))
    return {
        "width": CHART_WIDTH,
        "height": TIMELINE_HEIGHT,
        "plot": plot,
        "months": bars_by_month,
        "tallest": tallest if totals and any(totals.values()) else 0,
        "label_every": 1 if len(months) <= 6 else 3,
    }


@dataclass(frozen=True)
class Band:
    bucket: str
    label: str
    points: str  # an SVG polygon
    final_percent: Decimal


def supply_chart(events: list[UnlockEvent], today: dt.date) -> dict | None:
    """Circulating supply (% of total, from the recorded schedules) over time, stacked by
    bucket, with today marked; None without an event of known share."""
    known = [e for e in events if e.percent_of_supply is not None]
    if not known:
        return None
    first, last = known[0].date, known[-1].date
    span = max((last - first).days, 1)
    days = sorted({e.date for e in known})
    cumulative: dict[str, Decimal] = defaultdict(Decimal)
    steps: list[tuple[dt.date, dict[str, Decimal]]] = []
    by_day: dict[dt.date, list[UnlockEvent]] = defaultdict(list)
    for event in known:
        by_day[event.date].append(event)
    for day in days:
        for event in by_day[day]:
            cumulative[event.bucket] += event.percent_of_supply
        steps.append((day, dict(cumulative)))
    total = sum(cumulative.values(), Decimal(0))
    top = max(total, Decimal(1))
    plot = SUPPLY_HEIGHT - 20

    def x_of(day: dt.date) -> float:
        return round((day - first).days * CHART_WIDTH / span, 2)

    def y_of(percent: Decimal) -> float:
        return round(plot - float(percent) * plot / float(top), 2)

    bands, below = [], [Decimal(0)] * len(steps)
    for bucket in [b for b in BUCKET_ORDER if b in cumulative]:
        upper = [below[i] + step.get(bucket, Decimal(0)) for i, (_, step) in enumerate(steps)]
        bands.append(
            Band(
                bucket,
                BUCKET_LABELS[bucket],
                _band_points(steps, upper, below, x_of, y_of),
                cumulative[bucket],
            )
        )
        below = upper
    today_x = x_of(today) if first <= today <= last else None
    return {
        "width": CHART_WIDTH,
        "height": SUPPLY_HEIGHT,
        "plot": plot,
        "bands": bands,
        "first": first,
        "last": last,
        "total": total,
        "today": today,
        "today_x": today_x,
        "top_label": f"{top.normalize():f}%",
    }


def _band_points(steps, upper, lower, x_of, y_of) -> str:
    """A step-shaped polygon between two cumulative lines (unlocks are jumps, not slopes)."""
    top_line, bottom_line = [], []
    for index, (day, _) in enumerate(steps):
        x = x_of(day)
        if index:
            top_line.append((x, y_of(upper[index - 1])))
            bottom_line.append((x, y_of(lower[index - 1])))
        top_line.append((x, y_of(upper[index])))
        bottom_line.append((x, y_of(lower[index])))
    end = CHART_WIDTH
    top_line.append((end, top_line[-1][1]))
    bottom_line.append((end, bottom_line[-1][1]))
    points = top_line + bottom_line[::-1]
    return " ".join(f"{x},{y}" for x, y in points)
