"""Two refreshes of the same coins at once (PostgreSQL, real connections): no duplicate rows,
and the summaries end as a single refresh would leave them."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from offerings.market.listings import listings_store
from offerings.market.provider import Quote, Ticker
from offerings.market.storage import quotes_store
from offerings.models import Listing, MarketSnapshot, MarketSummary
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db(transaction=True)

NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (set DATABASE_URL)")


def at_once(work, times: int = 4) -> list[BaseException]:
    """Run `work` in `times` threads released together; the errors they raised."""
    barrier, errors = threading.Barrier(times), []

    def run():
        try:
            barrier.wait()
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_price_refreshes_do_not_duplicate_snapshots_or_summaries():
    offerings = [OfferingFactory(coingecko_id=f"coin-{n}") for n in range(20)]
    quotes = [
        Quote(f"coin-{n}", NOON, Decimal("0.1") + n, Decimal(10**6), Decimal(10**4))
        for n in range(20)
    ]

    errors = at_once(lambda: quotes_store(quotes=quotes, source="coingecko"))

    assert errors == []
    assert MarketSnapshot.objects.count() == 20
    assert MarketSummary.objects.count() == 20
    summary = MarketSummary.objects.get(offering=offerings[3])
    assert (summary.price_usd, summary.price_at) == (Decimal("3.1"), NOON)


def test_concurrent_listings_refreshes_do_not_duplicate_pairs_or_venues():
    OfferingFactory(coingecko_id="alpha")
    tickers = {
        "alpha": [
            Ticker("alpha", "binance", "Binance", "ALPHA/USDT", Decimal(1), Decimal(10), True),
            Ticker("alpha", "newex", "NewEx", "ALPHA/BTC", Decimal(1), Decimal(10), True),
        ]
    }

    errors = at_once(lambda: listings_store(tickers=tickers, now=NOON, grace=dt.timedelta(days=7)))

    assert errors == []
    assert Listing.objects.count() == 2
    assert sorted(Listing.objects.values_list("venue__slug", flat=True)) == ["binance", "newex"]
