"""The refresh end to end against the fake provider: snapshots, summaries, listings,
idempotent replays, all-or-nothing batches and the signals that queue rescoring."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from diligence.models import Assessment
from offerings.market import coingecko, storage
from offerings.market.refresh import listings_batch_refresh, market_refresh
from offerings.models import Listing, MarketSnapshot, MarketSummary, ReferencePrice, Venue
from offerings.signals import listings_changed, offerings_changed
from tests.factories import OfferingFactory, VenueFactory
from tests.fakes.coingecko import Fault, market_entry, ticker

pytestmark = pytest.mark.django_db

NOON = "2026-06-01T12:00:00.000Z"


@pytest.fixture
def sent():
    """The offering ids each signal announced, in order."""
    calls = {"offerings_changed": [], "listings_changed": []}

    def on_offerings(sender, offering_ids, **kwargs):
        calls["offerings_changed"].append(sorted(offering_ids))

    def on_listings(sender, offering_ids, **kwargs):
        calls["listings_changed"].append(sorted(offering_ids))

    offerings_changed.connect(on_offerings, dispatch_uid="test-market-offerings")
    listings_changed.connect(on_listings, dispatch_uid="test-market-listings")
    yield calls
    offerings_changed.disconnect(dispatch_uid="test-market-offerings")
    listings_changed.disconnect(dispatch_uid="test-market-listings")


def refresh(**options):
    return market_refresh(**options)


def test_prices_of_linked_offerings_are_stored_and_bad_data_is_reported(coingecko_settings, fake):
    alpha = OfferingFactory(coingecko_id="alpha")
    beta = OfferingFactory(coingecko_id="beta")
    ghost = OfferingFactory(coingecko_id="ghost")
    OfferingFactory(coingecko_id="")
    fake.markets["alpha"] = market_entry("alpha", "0.25", market_cap=None)
    fake.markets["beta"] = market_entry("beta", "oops")
    fake.markets["bitcoin"] = market_entry("bitcoin", 60_000)
    fake.markets["ethereum"] = market_entry("ethereum", "3000.5")

    report = refresh(history=False, listings=False)

    snapshot = MarketSnapshot.objects.get(offering=alpha)
    assert snapshot.price_usd == Decimal("0.25")
    assert snapshot.market_cap_usd is None
    assert snapshot.time == dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)
    assert snapshot.source == "coingecko"
    assert not MarketSnapshot.objects.filter(offering__in=[beta, ghost]).exists()
    assert {str(s) for s in report.skipped} == {
        "beta: malformed entry: 'oops' is not a number",
        "ghost: unknown to the provider",
    }
    summary = MarketSummary.objects.get(offering=alpha)
    assert (summary.price_usd, summary.ath_usd, summary.peak_30d_usd) == (
        Decimal("0.25"),
        Decimal("0.25"),
        Decimal("0.25"),
    )
    assert summary.listed is None  # listings not checked yet
    prices = dict(ReferencePrice.objects.values_list("coin_id", "price_usd"))
    assert prices == {"bitcoin": Decimal(60_000), "ethereum": Decimal("3000.5")}


def test_replaying_a_refresh_duplicates_nothing_and_announces_nothing(
    coingecko_settings, fake, sent
):
    offering = OfferingFactory(coingecko_id="alpha")
    fake.markets["alpha"] = market_entry("alpha", 1)
    refresh(history=False, listings=False)
    assert sent["offerings_changed"] == [[offering.pk]]

    refresh(history=False, listings=False)

    assert MarketSnapshot.objects.count() == 1
    assert sent["offerings_changed"] == [[offering.pk]]


def test_a_new_quote_adds_a_snapshot_and_announces_the_changed_facts(
    coingecko_settings, fake, sent
):
    offering = OfferingFactory(coingecko_id="alpha")
    fake.markets["alpha"] = market_entry("alpha", 1)
    refresh(history=False, listings=False)
    fake.markets["alpha"] = market_entry("alpha", 2, last_updated="2026-06-01T12:15:00Z")

    refresh(history=False, listings=False)

    assert list(MarketSnapshot.objects.order_by("time").values_list("price_usd", flat=True)) == [
        1,
        2,
    ]
    assert sent["offerings_changed"] == [[offering.pk], [offering.pk]]


def test_every_offering_linked_to_a_coin_gets_its_snapshot(coingecko_settings, fake):
    first, second = OfferingFactory(coingecko_id="alpha"), OfferingFactory(coingecko_id="alpha")
    fake.markets["alpha"] = market_entry("alpha", 1)

    refresh(history=False, listings=False)

    assert set(MarketSnapshot.objects.values_list("offering_id", flat=True)) == {
        first.pk,
        second.pk,
    }


def test_a_failure_mid_batch_leaves_nothing_written_and_the_next_run_completes_it(
    coingecko_settings, fake
):
    OfferingFactory(coingecko_id="alpha")
    fake.markets["alpha"] = market_entry("alpha", 1)
    original = storage.MarketSummary.objects.bulk_create

    with (
        mock.patch.object(
            storage.MarketSummary.objects, "bulk_create", side_effect=RuntimeError("disk full")
        ),
        pytest.raises(RuntimeError, match="disk full"),
    ):
        refresh(history=False, listings=False)
    assert not MarketSnapshot.objects.exists()
    assert not ReferencePrice.objects.exists()

    assert storage.MarketSummary.objects.bulk_create == original
    refresh(history=False, listings=False)
    assert MarketSnapshot.objects.count() == 1
    assert MarketSummary.objects.count() == 1


def test_a_batch_the_provider_does_not_answer_is_reported_and_writes_nothing(
    coingecko_settings, fake
):
    OfferingFactory(coingecko_id="alpha")
    fake.markets["alpha"] = market_entry("alpha", 1)
    fake.fail("/coins/markets", Fault("500"), Fault("500"))

    report = refresh(history=False, listings=False)

    assert report.failed and "HTTP 500, 2 attempts" in report.failed[0]
    assert not MarketSnapshot.objects.exists()


def test_prices_are_batched_one_call_per_batch_of_ids(coingecko_settings, fake):
    coingecko_settings.MARKET_BATCH_SIZE = 3
    for n in range(7):
        OfferingFactory(coingecko_id=f"coin-{n}")
        fake.markets[f"coin-{n}"] = market_entry(f"coin-{n}", n + 1)

    refresh(history=False, listings=False)

    calls = [r for r in fake.requests if r.path == "/coins/markets"]
    assert len(calls) == 3  # 7 coins and 2 reference coins, 3 a call
    assert MarketSnapshot.objects.count() == 7


# ---- the summary: ATH, the peak of the first 30 days and the low after it ------------------


def quote_at(fake, day: int, price, coin="alpha"):
    fake.markets[coin] = market_entry(coin, price, last_updated=f"2026-06-{day:02d}T00:00:00Z")
    refresh(history=False, listings=False)


def test_the_summary_follows_peak_low_and_all_time_high(coingecko_settings, fake):
    offering = OfferingFactory(coingecko_id="alpha")
    for day, price in [(1, "0.2"), (5, "0.5"), (10, "0.3"), (20, "0.1"), (25, "0.4")]:
        quote_at(fake, day, price)

    summary = MarketSummary.objects.get(offering=offering)
    assert summary.listed_at == dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    assert summary.peak_30d_usd == Decimal("0.5")
    assert summary.low_after_peak_usd == Decimal("0.1")
    assert summary.ath_usd == Decimal("0.5")
    assert summary.price_usd == Decimal("0.4")


def test_a_null_price_is_kept_unknown_and_never_becomes_zero(coingecko_settings, fake):
    offering = OfferingFactory(coingecko_id="alpha")
    quote_at(fake, 1, "0.2")
    quote_at(fake, 2, None)

    summary = MarketSummary.objects.get(offering=offering)
    assert summary.price_usd is None
    assert summary.ath_usd == summary.low_after_peak_usd == Decimal("0.2")
    assert MarketSnapshot.objects.filter(price_usd__isnull=True).count() == 1


# ---- listings -------------------------------------------------------------------------------


def test_pairs_seen_trading_are_listed_on_matched_or_created_venues(coingecko_settings, fake, sent):
    binance = VenueFactory(name="Binance", slug="binance-exchange", reputation_tier="tier1")
    offering = OfferingFactory(coingecko_id="alpha")
    fake.tickers["alpha"] = [
        ticker("binance", "ALPHA", "USDT", name="binance"),
        ticker("newex", "ALPHA", "BTC", name="NewEx"),
        ticker("staleex", "ALPHA", "ETH", name="StaleEx", stale=True),
    ]
    fake.exchanges = [
        {"id": "newex", "name": "NewEx", "url": "https://newex.example", "trust_score": 4}
    ]

    report = refresh(prices=False, history=False)

    listings = {
        (listing.venue.name, listing.pair, listing.status)
        for listing in Listing.objects.select_related("venue")
    }
    assert listings == {("Binance", "ALPHA/USDT", "listed"), ("NewEx", "ALPHA/BTC", "listed")}
    assert Venue.objects.get(name="Binance") == binance
    newex = Venue.objects.get(slug="newex")
    assert (newex.reputation_tier, newex.website) == ("tier3", "https://newex.example")
    assert not Venue.objects.filter(name="StaleEx").exists()
    summary = MarketSummary.objects.get(offering=offering)
    assert (summary.listed, summary.delisted) == (True, False)
    assert report.pairs_seen == 2
    assert sent["listings_changed"] == [[offering.pk]]
    assert sent["offerings_changed"] == [[offering.pk]]


def test_a_coin_that_trades_nowhere_is_recorded_as_not_listed(coingecko_settings, fake):
    offering = OfferingFactory(coingecko_id="alpha")
    fake.tickers["alpha"] = []

    refresh(prices=False, history=False)

    summary = MarketSummary.objects.get(offering=offering)
    assert (summary.listed, summary.delisted) == (False, False)
    assert summary.listings_checked_at is not None


def test_a_priced_coin_with_volume_and_no_tickers_is_traded_not_unlisted(
    coingecko_settings, fake, django_capture_on_commit_callbacks
):
    offering = OfferingFactory(coingecko_id="alpha", token_price_usd=Decimal("0.10"))
    now = timezone.now().replace(microsecond=0)
    fake.markets["alpha"] = market_entry(
        "alpha", "0.05", total_volume=250_000, last_updated=now.isoformat()
    )
    fake.tickers["alpha"] = []  # the provider knows no venue for it (or answered none)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("refresh_market_data")

    summary = MarketSummary.objects.get(offering=offering)
    assert (summary.listed, summary.delisted) == (True, False)
    assert not Listing.objects.exists()  # listed somewhere, venue unknown
    assert "market.below_sale_price" in flags(offering)
    assert "market.not_listed" not in flags(offering)


def test_an_empty_ticker_list_keeps_the_pairs_of_a_coin_still_priced_with_volume(
    coingecko_settings, fake
):
    coingecko_settings.MARKET_DELISTING_GRACE_DAYS = 7
    offering = OfferingFactory(coingecko_id="alpha")
    start = timezone.now() - dt.timedelta(days=30)
    fake.tickers["alpha"] = [ticker("gate", "ALPHA", "USDT")]
    listings_at(start)
    fake.markets["alpha"] = market_entry("alpha", "0.05", last_updated=timezone.now().isoformat())
    refresh(history=False, listings=False)
    fake.tickers["alpha"] = []

    report = listings_at(timezone.now())

    assert report.delisted == 0
    assert Listing.objects.get().status == "listed"
    summary = MarketSummary.objects.get(offering=offering)
    assert (summary.listed, summary.delisted) == (True, False)


def test_every_page_of_tickers_is_read(coingecko_settings, fake):
    offering = OfferingFactory(coingecko_id="alpha")
    fake.tickers["alpha"] = [ticker("gate", "ALPHA", f"T{n}") for n in range(230)]

    report = listings_at(timezone.now())

    assert report.pairs_seen == 230
    assert Listing.objects.filter(offering=offering, status="listed").count() == 230
    pages = [r.query.get("page") for r in fake.requests if r.path == "/coins/alpha/tickers"]
    assert pages == [["1"], ["2"], ["3"]]


def test_tickers_are_read_to_a_bound_of_pages(coingecko_settings, fake, monkeypatch):
    monkeypatch.setattr(coingecko, "MAX_TICKER_PAGES", 2)
    OfferingFactory(coingecko_id="alpha")
    fake.tickers["alpha"] = [ticker("gate", "ALPHA", f"T{n}") for n in range(300)]

    report = listings_at(timezone.now())

    assert report.pairs_seen == 200
    assert len([r for r in fake.requests if r.path == "/coins/alpha/tickers"]) == 2
    assert any("more than 2 pages" in skipped.reason for skipped in report.skipped)


def listings_at(when: dt.datetime):
    return listings_batch_refresh(coin_ids=["alpha"], now=when)


def test_a_pair_gone_longer_than_the_grace_period_is_delisted(coingecko_settings, fake, sent):
    coingecko_settings.MARKET_DELISTING_GRACE_DAYS = 7
    offering = OfferingFactory(coingecko_id="alpha")
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    fake.tickers["alpha"] = [ticker("binance", "ALPHA", "USDT"), ticker("gate", "ALPHA", "USDT")]
    listings_at(start)
    fake.tickers["alpha"] = [
        ticker("binance", "ALPHA", "USDT"),
        ticker("gate", "ALPHA", "USDT", stale=True),
    ]

    listings_at(start + dt.timedelta(days=6))
    assert set(Listing.objects.values_list("status", flat=True)) == {"listed"}
    assert len(sent["listings_changed"]) == 1

    report = listings_at(start + dt.timedelta(days=8))

    gate = Listing.objects.get(venue__slug="gate")
    assert gate.status == "delisted"
    assert gate.last_seen == start
    assert report.delisted == 1
    summary = MarketSummary.objects.get(offering=offering)
    assert (summary.listed, summary.delisted) == (True, True)
    assert sent["listings_changed"][-1] == [offering.pk]
    assert sent["offerings_changed"][-1] == [offering.pk]


def test_a_delisted_pair_that_trades_again_is_listed_again(coingecko_settings, fake, sent):
    offering = OfferingFactory(coingecko_id="alpha")
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    fake.tickers["alpha"] = [ticker("gate", "ALPHA", "USDT")]
    listings_at(start)
    fake.tickers["alpha"] = []
    listings_at(start + dt.timedelta(days=30))
    assert MarketSummary.objects.get(offering=offering).listed is False
    fake.tickers["alpha"] = [ticker("gate", "ALPHA", "USDT")]

    listings_at(start + dt.timedelta(days=31))

    listing = Listing.objects.get()
    assert (listing.status, listing.first_seen) == ("listed", start)
    assert len(sent["listings_changed"]) == 3


def test_a_coin_whose_tickers_fail_keeps_its_listings(coingecko_settings, fake):
    OfferingFactory(coingecko_id="alpha")
    start = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    fake.tickers["alpha"] = [ticker("gate", "ALPHA", "USDT")]
    listings_at(start)
    fake.fail("/coins/alpha/tickers", Fault("500"), Fault("500"))

    report = listings_at(start + dt.timedelta(days=30))

    assert "tickers of alpha" in report.failed[0]
    assert Listing.objects.get().status == "listed"


# ---- from a refresh to red flags -------------------------------------------------------------


def test_the_command_refreshes_reports_skips_and_the_rules_flag_what_the_data_says(
    coingecko_settings, fake, capsys, django_capture_on_commit_callbacks
):
    below = OfferingFactory(coingecko_id="below", token_price_usd=Decimal("0.10"))
    unlisted = OfferingFactory(coingecko_id="unlisted")
    OfferingFactory(coingecko_id="ghost")
    fake.markets["below"] = market_entry("below", "0.05")
    fake.tickers["below"] = [ticker("binance", "BELOW", "USDT")]
    fake.tickers["unlisted"] = []
    fake.tickers["ghost"] = []

    with django_capture_on_commit_callbacks(execute=True):
        call_command("refresh_market_data")

    out = capsys.readouterr().out
    assert "skipped ghost: unknown to the provider" in out
    assert "1 price snapshots stored" in out
    assert flags(below) >= {"market.below_sale_price"}
    assert flags(unlisted) >= {"market.not_listed"}


def flags(offering) -> set[str]:
    return set(Assessment.objects.current().get(offering=offering).flags)


def test_the_command_flags_a_pump_and_dump_from_the_price_history(
    coingecko_settings, fake, django_capture_on_commit_callbacks
):
    offering = OfferingFactory(coingecko_id="pumped", token_price_usd=Decimal("0.10"))
    fake.tickers["pumped"] = [ticker("binance", "PUMP", "USDT")]
    with django_capture_on_commit_callbacks(execute=True):
        for day, price in [(1, "0.15"), (4, "0.45"), (12, "0.08")]:
            fake.markets["pumped"] = market_entry(
                "pumped", price, last_updated=f"2026-06-{day:02d}T00:00:00Z"
            )
            call_command("refresh_market_data", "--offering", offering.slug)

    assert "market.pump_and_dump" in flags(offering)


def test_the_command_refuses_an_unknown_or_unlinked_offering(coingecko_settings):
    OfferingFactory(slug="unlinked", coingecko_id="")

    with pytest.raises(CommandError, match="'nope': no offering has this slug"):
        call_command("refresh_market_data", "--offering", "nope")
    with pytest.raises(CommandError, match="'unlinked': not linked to a coin"):
        call_command("refresh_market_data", "--offering", "unlinked")


def test_the_command_fails_loudly_when_a_batch_could_not_be_fetched(coingecko_settings, fake):
    OfferingFactory(coingecko_id="alpha")
    fake.fail("/coins/markets", Fault("500"), Fault("500"))

    with pytest.raises(CommandError, match="some batches failed"):
        call_command("refresh_market_data", "--prices")


# ---- the Celery tasks, eagerly ----------------------------------------------------------------


def test_the_task_queues_one_task_per_batch_of_ids_not_per_offering(coingecko_settings, fake):
    from offerings import tasks

    coingecko_settings.MARKET_BATCH_SIZE = 2
    for n in range(3):
        OfferingFactory(coingecko_id=f"coin-{n}")
        fake.markets[f"coin-{n}"] = market_entry(f"coin-{n}", 1)

    with mock.patch.object(tasks.refresh_market_batch, "delay") as delay:
        assert tasks.refresh_market_data.delay().get() == 3

    assert [call.args[0] for call in delay.call_args_list] == [
        ["coin-0", "coin-1"],
        ["coin-2", "bitcoin"],
        ["ethereum"],
    ]


def test_the_tasks_run_the_refresh_eagerly_without_a_broker(coingecko_settings, fake):
    from offerings import tasks

    OfferingFactory(coingecko_id="alpha")
    fake.markets["alpha"] = market_entry("alpha", 1)
    fake.tickers["alpha"] = [ticker("gate")]

    tasks.refresh_market_data.delay()
    tasks.refresh_listings.delay()

    assert MarketSnapshot.objects.count() == 1
    assert Listing.objects.count() == 1


def test_an_exchange_whose_id_makes_no_slug_still_gets_a_venue(coingecko_settings, fake):
    OfferingFactory(coingecko_id="alpha")
    fake.tickers["alpha"] = [ticker("биржа", "ALPHA", "USDT", name="Биржа")]

    listings_at(dt.datetime(2026, 6, 1, tzinfo=dt.UTC))

    listing = Listing.objects.select_related("venue").get()
    assert (listing.venue.name, listing.venue.slug) == ("Биржа", "exchange")
