from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from offerings.models import Listing, MarketSnapshot, MarketSummary, ReferencePrice
from tests.factories import OfferingFactory, VenueFactory

NOON = dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


class MarketSummaryFactory(DjangoModelFactory):
    class Meta:
        model = MarketSummary

    offering = factory.SubFactory(OfferingFactory, coingecko_id="alpha")
    price_usd = Decimal("0.15")
    market_cap_usd = Decimal("12000000")
    volume_24h_usd = Decimal("340000")
    price_at = NOON
    ath_usd = Decimal("0.4")
    listed_at = dt.datetime(2026, 2, 20, tzinfo=dt.UTC)
    peak_30d_usd = Decimal("0.4")
    low_after_peak_usd = Decimal("0.12")
    listings_checked_at = NOON
    listed = True
    delisted = False


class MarketSnapshotFactory(DjangoModelFactory):
    class Meta:
        model = MarketSnapshot

    offering = factory.SubFactory(OfferingFactory)
    time = NOON
    source = "coingecko"
    price_usd = Decimal("0.15")


class ListingFactory(DjangoModelFactory):
    class Meta:
        model = Listing

    offering = factory.SubFactory(OfferingFactory)
    venue = factory.SubFactory(VenueFactory)
    pair = "ALPHA/USDT"
    first_seen = dt.datetime(2026, 2, 20, tzinfo=dt.UTC)
    last_seen = NOON
    status = Listing.Status.LISTED


class ReferencePriceFactory(DjangoModelFactory):
    class Meta:
        model = ReferencePrice

    coin_id = "ethereum"
    day = dt.date(2026, 6, 1)
    price_usd = Decimal("3000")
