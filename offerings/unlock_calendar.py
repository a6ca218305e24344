"""Reads of the unlock calendar: filtered events, one page at a time, and a month timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from offerings.models import UnlockEvent

PAGE_SIZE = 50
# Columns a calendar row shows; the rest of the event, offering and allocation stay unread.
ROW_FIELDS = (
    "date",
    "bucket",
    "kind",
    "tokens",
    "percent_of_allocation",
    "percent_of_supply",
    "percent_of_circulating",
    "cumulative_percent",
    "offering__name",
    "offering__slug",
    "offering__symbol",
    "allocation__schedule_source",
    "allocation__schedule_source_url",
)


@dataclass(frozen=True)
class CalendarQuery:
    """What the calendar shows; every filter optional but the dates."""

    start: dt.date
    end: dt.date
    bucket: str = ""
    min_percent: Decimal | None = None
    offering: str = ""
    among: Any = None  # only these offerings (ids, or a queryset of ids), or None for all

    def events(self) -> QuerySet[UnlockEvent]:
        events = UnlockEvent.objects.between(self.start, self.end)
        if self.bucket:
            events = events.filter(bucket=self.bucket)
        if self.min_percent is not None:
            events = events.at_least(self.min_percent)
        if self.offering:
            events = events.filter(offering__slug=self.offering)
        if self.among is not None:
            events = events.filter(offering_id__in=self.among)
        return events


def calendar_page(
    query: CalendarQuery, *, after: tuple[dt.date, int] | None = None, size: int = PAGE_SIZE
) -> tuple[list[UnlockEvent], tuple[dt.date, int] | None]:
    """The events in date order after `after` (date, id) and the key of the next page (1 query)."""
    events = query.events()
    if after is not None:
        day, pk = after
        events = events.filter(Q(date__gt=day) | Q(date=day, pk__gt=pk))
    rows = list(
        events.select_related("offering", "allocation")
        .only(*ROW_FIELDS)
        .order_by("date", "pk")[: size + 1]
    )
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, (rows[-1].date, rows[-1].pk)


def month_counts(query: CalendarQuery) -> dict[tuple[dt.date, str], int]:
    """How many events each month holds, by bucket (1 query)."""
    rows = (
        query.events()
        .annotate(month=TruncMonth("date"))
        .order_by()
        .values_list("month", "bucket")
        .annotate(events=Count("date"))  # not the id: the covering index holds the date
    )
    return {(_as_date(month), bucket): count for month, bucket, count in rows}


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
