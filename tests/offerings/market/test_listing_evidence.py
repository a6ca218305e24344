"""Whether a coin is listed comes from all the evidence: its pairs, and a current price with a
24h volume (traded somewhere, venue unknown). An empty list of tickers is no evidence of
delisting for a coin the provider still prices with volume."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from offerings.market.listings import listings_store
from offerings.market.provider import Quote
from offerings.market.storage import quotes_store
from offerings.models import Listing, MarketSummary
from tests.factories import OfferingFactory, VenueFactory

pytestmark = pytest.mark.django_db

GRACE = dt.timedelta(days=7)


def _quote(coin_id: str, *, volume: str | None, age: dt.timedelta = dt.timedelta()) -> Quote:
    return Quote(
        coin_id=coin_id,
        time=timezone.now().replace(microsecond=0) - age,
        price_usd=Decimal("0.05"),
        market_cap_usd=Decimal(1_000_000),
        volume_24h_usd=None if volume is None else Decimal(volume),
    )


def test_an_empty_ticker_list_for_a_priced_coin_with_volume_leaves_it_listed():
    offering = OfferingFactory(coingecko_id="alpha")
    quotes_store(quotes=[_quote("alpha", volume="250000")], source="coingecko")

    listings_store(tickers={"alpha": []}, now=timezone.now(), grace=GRACE)

    summary = MarketSummary.objects.get(offering=offering)
    assert (summary.listed, summary.delisted) == (True, False)


def test_a_quote_with_volume_turns_a_not_listed_coin_into_a_listed_one():
    offering = OfferingFactory(coingecko_id="alpha")
    listings_store(tickers={"alpha": []}, now=timezone.now(), grace=GRACE)
    assert MarketSummary.objects.get(offering=offering).listed is False

    quotes_store(quotes=[_quote("alpha", volume="250000")], source="coingecko")

    assert MarketSummary.objects.get(offering=offering).listed is True


@pytest.mark.parametrize(
    "volume, age",
    [(None, dt.timedelta()), ("0", dt.timedelta()), ("250000", dt.timedelta(days=10))],
    ids=["no-volume", "zero-volume", "stale-quote"],
)
def test_without_a_current_price_and_volume_no_tickers_means_not_listed(volume, age):
    offering = OfferingFactory(coingecko_id="alpha")
    quotes_store(quotes=[_quote("alpha", volume=volume, age=age)], source="coingecko")

    listings_store(tickers={"alpha": []}, now=timezone.now(), grace=GRACE)

    assert MarketSummary.objects.get(offering=offering).listed is False


def test_pairs_of_a_coin_still_traded_are_not_delisted_by_an_empty_ticker_list():
    offering = OfferingFactory(coingecko_id="alpha")
    gate = VenueFactory(name="Gate", slug="gate")
    long_ago = timezone.now() - dt.timedelta(days=30)
    Listing.objects.create(
        offering=offering,
        venue=gate,
        pair="ALPHA/USDT",
        first_seen=long_ago,
        last_seen=long_ago,
        status=Listing.Status.LISTED,
    )
    quotes_store(quotes=[_quote("alpha", volume="250000")], source="coingecko")

    result = listings_store(tickers={"alpha": []}, now=timezone.now(), grace=GRACE)

    assert result.delisted == 0
    assert Listing.objects.get().status == Listing.Status.LISTED
    summary = MarketSummary.objects.get(offering=offering)
    assert (summary.listed, summary.delisted) == (True, False)
