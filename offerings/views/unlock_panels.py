"""The offering page's unlock panels: the supply chart, the events and vesting-adjusted returns."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Avg
from django.db.models.functions import TruncDate
from django.utils import timezone

from offerings.models import MarketSnapshot, Offering, UnlockEvent
from offerings.vesting_returns import round_returns
from offerings.views.unlock_charts import supply_chart

EVENTS_SHOWN = 24  # coming unlocks listed on the page; the calendar has the rest


def unlock_context(offering: Offering) -> dict[str, Any]:
    """Unlock events, supply chart and per-round returns (1 query; 2 with market data)."""
    today = timezone.localdate()
    events = list(
        UnlockEvent.objects.filter(offering=offering)
        .select_related("allocation")
        .order_by("date", "bucket", "pk")
    )
    coming = [event for event in events if event.date >= today]
    return {
        "unlock_chart": supply_chart(events, today),
        "unlock_events": coming[:EVENTS_SHOWN],
        "unlock_events_more": max(len(coming) - EVENTS_SHOWN, 0),
        "unlock_events_coming": len(coming),
        "unlock_events_past": len(events) - len(coming),
        "round_returns": _round_returns(offering, events, today),
    }


def _round_returns(offering: Offering, events: list[UnlockEvent], today: dt.date) -> list:
    try:
        summary = offering.market_summary
    except ObjectDoesNotExist:
        return []
    rounds = [(r.kind, r.price_usd) for r in offering.rounds.all() if r.price_usd]
    if not rounds or not events:
        return []
    return round_returns(
        rounds=rounds,
        tranches=events,
        daily_prices=all_daily_prices(offering),
        price_now=summary.price_usd,
        today=today,
    )


def all_daily_prices(offering: Offering) -> list[tuple[dt.date, Decimal]]:
    """The average quoted price of every quoted day since listing (one query)."""
    rows = (
        MarketSnapshot.objects.filter(offering=offering, price_usd__isnull=False)
        .annotate(day=TruncDate("time"))
        .values("day")
        .annotate(price=Avg("price_usd"))
        .order_by("day")
        .values_list("day", "price")
    )
    return [(day, Decimal(price)) for day, price in rows]
