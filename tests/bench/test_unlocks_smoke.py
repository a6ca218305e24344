"""The unlock calendar benchmark runs end to end at a tiny scale (sense, not speed)."""

from __future__ import annotations

import pytest

from bench.seed import offerings_seed
from bench.unlocks import measure
from offerings.models import UnlockEvent
from tests.offerings.test_unlock_pages import CALENDAR_QUERIES

pytestmark = pytest.mark.django_db


def test_the_benchmark_derives_the_events_and_reports_every_figure():
    offerings_seed(scale=60)
    report = measure(repeats=3)
    assert report["unlocks_events"] == UnlockEvent.objects.count() > 0
    assert report["unlocks_derive_events_per_s"] > 0
    for key in ("unlocks_calendar", "unlocks_calendar_min1", "unlocks_api"):
        assert report[f"{key}_p50_ms"] > 0, key
    # session, events page, month counts, unread count (the user kept); the API: its page
    assert report["unlocks_calendar_queries"] == CALENDAR_QUERIES
    assert report["unlocks_api_queries"] <= 4
    assert measure(repeats=1)["unlocks_events"] == report["unlocks_events"]  # derived once
