"""The offering page's unlock panels: the supply chart, the events and vesting-adjusted returns."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from analyst.views.unlock_charts import supply_chart
from offerings.models import Offering, UnlockEvent
from offerings.vesting_returns import offering_round_returns

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
        "round_returns": offering_round_returns(offering, today=today, tranches=events),
    }
