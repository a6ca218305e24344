"""Past daily prices, loaded once per coin: the real start of trading, the peak of the first
30 days and ROI in bitcoin and ether at the sale's end."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import call_command

from offerings.market.refresh import history_batch_refresh, history_pending, market_refresh
from offerings.models import MarketSnapshot, MarketSummary, ReferencePrice
from tests.factories import OfferingFactory
from tests.fakes.coingecko import Fault, chart, market_entry

pytestmark = pytest.mark.django_db


def test_the_client_reads_a_chart_of_numbers_strings_and_nulls(fake, provider_for):
    fake.charts["alpha"] = chart(("2026-03-01", 0.1), ("2026-03-02", "0.2"), ("2026-03-03", None))
    fake.charts["alpha"]["prices"].append(["junk", 1])

    fetched = provider_for(fake).history("alpha")

    assert [(q.time.date().isoformat(), q.price_usd) for q in fetched.items] == [
        ("2026-03-01", Decimal("0.1")),
        ("2026-03-02", Decimal("0.2")),
        ("2026-03-03", None),
    ]
    assert fetched.items[0].time == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert fetched.items[0].market_cap_usd == 10_000_000
    assert [str(s) for s in fetched.skipped] == ["alpha: malformed prices point: ['junk', 1]"]
    assert fake.requests[0].query["days"] == ["365"]


def test_loaded_history_rebuilds_the_summary_from_the_start_of_trading(coingecko_settings, fake):
    offering = OfferingFactory(coingecko_id="alpha", token_price_usd=Decimal("0.10"))
    fake.markets["alpha"] = market_entry("alpha", "0.05", last_updated="2026-06-01T12:00:00Z")
    market_refresh(history=False, listings=False)  # first seen today: no early history yet
    assert MarketSummary.objects.get().peak_30d_usd == Decimal("0.05")
    fake.charts["alpha"] = chart(
        ("2026-03-01", "0.15"), ("2026-03-10", "0.45"), ("2026-04-20", "0.06")
    )

    report = history_batch_refresh(coin_ids=["alpha"])

    summary = MarketSummary.objects.get(offering=offering)
    assert summary.listed_at == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert (summary.peak_30d_usd, summary.low_after_peak_usd) == (Decimal("0.45"), Decimal("0.05"))
    assert summary.ath_usd == Decimal("0.45")
    assert summary.price_usd == Decimal("0.05")  # the latest quote is still today's
    assert summary.history_loaded_at is not None
    assert MarketSnapshot.objects.count() == 4
    assert report.snapshots == 3


def test_history_is_loaded_once_per_coin(coingecko_settings, fake):
    OfferingFactory(coingecko_id="alpha")
    fake.charts["alpha"] = chart(("2026-03-01", "0.15"))
    fake.charts["bitcoin"] = chart(("2026-03-01", 60_000))
    fake.charts["ethereum"] = chart(("2026-03-01", 3_000))
    assert history_pending() == ["alpha", "bitcoin", "ethereum"]

    market_refresh(prices=False, listings=False)

    assert history_pending() == []
    market_refresh(prices=False, listings=False)
    assert len([r for r in fake.requests if r.path.endswith("/market_chart")]) == 3


def test_reference_history_gives_roi_in_coins_at_the_sale_end(coingecko_settings, fake):
    fake.charts["ethereum"] = chart(("2026-02-10", "2000"), ("2026-02-10", "2000"))

    history_batch_refresh(coin_ids=["ethereum"])

    assert ReferencePrice.objects.get(coin_id="ethereum").price_usd == Decimal("2000")


def test_an_unknown_coin_is_skipped_and_a_failing_one_reported(coingecko_settings, fake):
    OfferingFactory(coingecko_id="ghost")
    OfferingFactory(coingecko_id="flaky")
    fake.charts["flaky"] = chart(("2026-03-01", 1))
    fake.fail("/coins/flaky/market_chart", Fault("500"), Fault("500"))

    report = history_batch_refresh(coin_ids=["ghost", "flaky"])

    assert [str(s) for s in report.skipped] == ["ghost: unknown to the provider"]
    assert "history of flaky" in report.failed[0]
    assert not MarketSnapshot.objects.exists()
    assert "flaky" in history_pending()


def test_the_command_flags_a_pump_and_dump_that_only_the_history_shows(
    coingecko_settings, fake, django_capture_on_commit_callbacks
):
    from diligence.models import Assessment
    from tests.fakes.coingecko import ticker

    offering = OfferingFactory(coingecko_id="pumped", token_price_usd=Decimal("0.10"))
    fake.markets["pumped"] = market_entry("pumped", "0.05", last_updated="2026-06-01T12:00:00Z")
    fake.charts["pumped"] = chart(
        ("2026-03-01", "0.2"), ("2026-03-05", "0.5"), ("2026-05-01", "0.05")
    )
    fake.tickers["pumped"] = [ticker("binance", "PUMP", "USDT")]

    with django_capture_on_commit_callbacks(execute=True):
        call_command("refresh_market_data", "--offering", offering.slug)

    flags = Assessment.objects.current().get(offering=offering).flags
    assert "market.pump_and_dump" in flags
    assert "market.below_sale_price" in flags


def test_the_scheduled_task_loads_at_most_the_configured_number_of_coins(coingecko_settings):
    from offerings import tasks

    coingecko_settings.MARKET_HISTORY_PER_RUN = 3
    coingecko_settings.MARKET_LISTINGS_BATCH_SIZE = 2
    for n in range(5):
        OfferingFactory(coingecko_id=f"coin-{n}")

    with mock.patch.object(tasks.load_market_history_batch, "delay") as delay:
        assert tasks.load_market_history.delay().get() == 2

    assert [call.args[0] for call in delay.call_args_list] == [["coin-0", "coin-1"], ["coin-2"]]
