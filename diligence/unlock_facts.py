"""Unlock facts for the checklist: each offering's scheduled unlocks in the coming window."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q

from offerings.models import UnlockEvent


@dataclass(frozen=True, slots=True)
class Upcoming:
    date: dt.date
    bucket: str
    kind: str
    percent_of_supply: Decimal | None
    percent_of_circulating: Decimal | None


@dataclass(frozen=True, slots=True)
class UnlockFacts:
    """An offering with at least one unlock event: those in the window, in date order, and
    the day its last allocation finishes unlocking."""

    window_days: int
    upcoming: tuple[Upcoming, ...]
    fully_unlocked_on: dt.date | None


def unlock_facts_for(among: Q, today: dt.date) -> dict[int, UnlockFacts]:
    """Unlock facts by offering id, for the offerings with unlock events (one query): the
    events within UNLOCK_OVERHANG_DAYS of `today` and each allocation's last one."""
    window = settings.UNLOCK_OVERHANG_DAYS
    end = today + dt.timedelta(days=window)
    rows = (
        UnlockEvent.objects.filter(among)
        .filter(Q(date__gte=today, date__lte=end) | Q(final=True))
        .order_by("offering_id", "date", "bucket", "id")
        .values_list(
            "offering_id",
            "date",
            "bucket",
            "kind",
            "percent_of_supply",
            "percent_of_circulating",
            "final",
        )
    )
    upcoming: dict[int, list[Upcoming]] = defaultdict(list)
    last: dict[int, dt.date] = {}
    for offering_id, date, bucket, kind, of_supply, of_circulating, final in rows:
        if today <= date <= end:
            upcoming[offering_id].append(Upcoming(date, bucket, kind, of_supply, of_circulating))
        if final:
            last[offering_id] = max(date, last.get(offering_id, date))
    return {
        offering_id: UnlockFacts(
            window, tuple(upcoming.get(offering_id, ())), None if done >= today else done
        )
        for offering_id, done in last.items()
    }
