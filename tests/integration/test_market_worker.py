"""A real Celery worker refreshes market data end to end against the local fake CoinGecko,
from the tasks the beat schedule sends: prices through a 429 and bad data, listings, and the
rescore that flags what the data says. Needs PostgreSQL and redis-server (skips without)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from celery.beat import Scheduler
from django.conf import settings

from config.celery import app
from diligence.models import Assessment
from offerings.models import Listing, MarketSnapshot, MarketSummary
from tests.factories import OfferingFactory
from tests.fakes.coingecko import FakeCoinGecko, Fault, chart, market_entry, ticker
from tests.integration.conftest import wait_for

MARKET_TASKS = {
    "refresh-market-data": ("offerings.tasks.refresh_market_data", "MARKET_REFRESH_INTERVAL_S"),
    "refresh-listings": ("offerings.tasks.refresh_listings", "MARKET_LISTINGS_INTERVAL_S"),
    "load-market-history": ("offerings.tasks.load_market_history", "MARKET_HISTORY_INTERVAL_S"),
}


def beat_entries() -> dict:
    """The schedule as celery beat itself reads it from the configuration."""
    app.loader.import_default_modules()
    return Scheduler(app=app, lazy=False).schedule


def test_the_beat_schedule_names_real_tasks_at_the_configured_intervals():
    entries = beat_entries()

    for name, (task, interval_setting) in MARKET_TASKS.items():
        entry = entries[name]
        assert entry.task == task
        assert task in app.tasks, f"{task} is not a registered task"
        assert entry.schedule.run_every == dt.timedelta(seconds=getattr(settings, interval_setting))


@pytest.fixture
def fake():
    with FakeCoinGecko() as server:
        yield server


def test_a_worker_runs_the_beat_tasks_end_to_end(postgres, broker, celery_workers, fake):
    below = OfferingFactory(coingecko_id="below", token_price_usd=Decimal("0.10"))
    never = OfferingFactory(coingecko_id="never")
    ghost = OfferingFactory(coingecko_id="ghost")
    fake.markets["below"] = market_entry("below", "0.04", market_cap="2500000", total_volume=None)
    fake.markets["never"] = market_entry("never", None)
    fake.markets["bitcoin"] = market_entry("bitcoin", 60_000)
    fake.charts["below"] = chart(
        ("2026-03-01", "0.2"), ("2026-03-05", "0.5"), ("2026-05-01", "0.05")
    )
    fake.tickers["below"] = [
        ticker("binance", "BLW", "USDT"),
        ticker("mexc", "BLW", "BTC", stale=True),
    ]
    fake.tickers["never"] = []
    fake.tickers["ghost"] = []
    fake.fail("/coins/markets", Fault("429", retry_after="1"), Fault("500"))
    celery_workers(
        broker,
        "market",
        COINGECKO_BASE_URL=fake.url,
        COINGECKO_CALLS_PER_MINUTE="600",
        COINGECKO_READ_TIMEOUT_S="5",
    )
    entries = beat_entries()
    scheduler = Scheduler(app=app, lazy=True)

    scheduler.apply_async(entries["refresh-market-data"])
    wait_for(
        lambda: MarketSnapshot.objects.filter(offering__in=[below, never]).count() == 2,
        timeout=60,
        what="price snapshots written by the worker",
    )
    scheduler.apply_async(entries["load-market-history"])
    wait_for(
        lambda: MarketSummary.objects.filter(
            offering=below, history_loaded_at__isnull=False
        ).exists(),
        timeout=60,
        what="past prices loaded by the worker",
    )
    scheduler.apply_async(entries["refresh-listings"])
    wait_for(
        lambda: MarketSummary.objects.filter(listings_checked_at__isnull=False).count() == 3,
        timeout=60,
        what="listings written by the worker",
    )

    snapshot = MarketSnapshot.objects.filter(offering=below).latest("time")
    assert (snapshot.price_usd, snapshot.market_cap_usd, snapshot.volume_24h_usd) == (
        Decimal("0.04"),
        Decimal("2500000"),
        None,
    )
    assert MarketSnapshot.objects.get(offering=never).price_usd is None
    summary = MarketSummary.objects.get(offering=below)
    assert (summary.peak_30d_usd, summary.low_after_peak_usd) == (Decimal("0.5"), Decimal("0.04"))
    assert not MarketSnapshot.objects.filter(offering=ghost).exists()
    assert list(Listing.objects.values_list("offering_id", "pair", "status")) == [
        (below.pk, "BLW/USDT", "listed")
    ]
    market_calls = [r for r in fake.requests if r.path == "/coins/markets"]
    assert len(market_calls) == 3  # a 429, a 500, then the answer

    def flagged():
        current = {a.offering_id: a.flags for a in Assessment.objects.filter(is_current=True)}
        return "market.below_sale_price" in current.get(
            below.pk, []
        ) and "market.not_listed" in current.get(never.pk, [])

    wait_for(flagged, timeout=60, what="the worker's rescore to flag the market rules")
