"""Market data on the offering page and in the interchange export."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analyst.views.market import price_chart
from diligence.selectors import assessed_export
from offerings.importing import SourceRow, offerings_import
from offerings.models import Offering
from tests.factories import OfferingFactory, VenueFactory
from tests.offerings.market.factories import (
    ListingFactory,
    MarketSnapshotFactory,
    MarketSummaryFactory,
    ReferencePriceFactory,
)
from tests.offerings.test_detail import DETAIL_QUERIES

pytestmark = pytest.mark.django_db


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def page(client, offering) -> str:
    response = client.get(reverse("offerings:detail", args=[offering.slug]))
    assert response.status_code == 200
    return response.content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def marketed(**summary) -> Offering:
    """An offering sold at 0.10 USD on 2026-02-10, with market data and a price history."""
    offering = OfferingFactory(coingecko_id="alpha", end_date=dt.date(2026, 2, 10))
    MarketSummaryFactory(offering=offering, **summary)
    now = timezone.now().replace(microsecond=0)
    for days, price in [(20, "0.3"), (10, "0.12"), (1, "0.15")]:
        MarketSnapshotFactory(
            offering=offering, time=now - dt.timedelta(days=days), price_usd=Decimal(price)
        )
    return offering


def test_the_page_shows_price_roi_and_a_chart_with_the_sale_price_marked(analyst_client):
    offering = marketed()

    html = page(analyst_client, offering)

    section = text(html[html.index('id="market"') : html.index('id="history"')])
    assert "Price 0.15 USD" in section
    assert "ROI since the sale +50.0%" in section
    assert "Highest since listing 0.4 USD" in section
    assert "First listing seen 2026-02-20 (10 days after the sale ended)" in section
    assert '<polyline class="price"' in html
    assert 'class="sale-price"' in html
    assert "the dashed line is the sale price of 0.1 USD" in html


def test_roi_in_ether_is_shown_when_its_prices_are_known(analyst_client):
    offering = marketed()
    ReferencePriceFactory(day=dt.date(2026, 2, 10), price_usd=Decimal("2000"))
    ReferencePriceFactory(day=dt.date(2026, 6, 1), price_usd=Decimal("3000"))

    section = text(page(analyst_client, offering))

    # 0.15/3000 against 0.10/2000: the token held its value in ether.
    assert "ROI in ETH +0.0%" in section
    assert "ROI in BTC" not in section


def test_listings_are_listed_with_their_status(analyst_client):
    offering = marketed(delisted=True)
    ListingFactory(offering=offering, venue=VenueFactory(name="Kraken"), pair="ALPHA/EUR")
    ListingFactory(
        offering=offering, venue=VenueFactory(name="ShadyEx"), pair="ALPHA/BTC", status="delisted"
    )

    section = text(page(analyst_client, offering))

    assert "Kraken ALPHA/EUR listed 2026-02-20 2026-06-01" in section
    assert "ShadyEx ALPHA/BTC delisted" in section


def test_a_token_checked_and_found_nowhere_says_so(analyst_client):
    offering = OfferingFactory(coingecko_id="alpha")
    MarketSummaryFactory(offering=offering, listed=False, price_usd=None, ath_usd=None)

    section = text(page(analyst_client, offering))

    assert "Trades on no exchange (checked 2026-06-01 12:00 UTC)" in section
    assert "Price unknown" in section
    assert "ROI since the sale unknown" in section


def test_an_unlinked_offering_asks_for_a_coin_link(analyst_client):
    section = text(page(analyst_client, OfferingFactory(coingecko_id="")))
    assert "Market data is not available yet" in section
    assert "link the offering to a CoinGecko coin first" in section


def test_market_data_costs_two_more_queries_whatever_its_history_and_listings(analyst_client):
    few = marketed()
    many = marketed()
    for n in range(30):
        MarketSnapshotFactory(offering=many, time=timezone.now() - dt.timedelta(hours=n * 7))
        ListingFactory(offering=many, pair=f"ALPHA/X{n}")

    page(analyst_client, few)  # steady state: the user's permissions cached
    for offering in (few, many):
        with CaptureQueriesContext(connection) as captured:
            page(analyst_client, offering)
        # the daily price history and the BTC/ETH reference prices
        assert len(captured) == DETAIL_QUERIES + 2


def test_the_chart_scales_prices_from_zero_and_marks_the_sale_price():
    days = [dt.date(2026, 6, d) for d in (1, 2, 3)]
    chart = price_chart(
        list(zip(days, [Decimal(1), Decimal(2), Decimal(4)], strict=True)), Decimal(2)
    )

    points = [tuple(map(float, p.split(","))) for p in chart["line"].split()]
    assert [x for x, _ in points] == [0.0, 180.0, 360.0]
    ys = [y for _, y in points]
    assert ys[0] > ys[1] > ys[2]  # higher prices are higher up
    assert chart["sale_y"] == ys[1]
    assert [tick.roi for tick in chart["ticks"]] == ["-100.0%", "-45.0%", "+10.0%", "+65.0%"]


def test_no_price_means_no_chart():
    assert price_chart([], Decimal(1)) is None


# ---- export ----------------------------------------------------------------------------------


def test_the_export_carries_market_and_listings(tmp_path):
    offering = marketed()
    ListingFactory(offering=offering, venue=VenueFactory(name="Kraken"), pair="ALPHA/EUR")

    (record,) = assessed_export()

    market = record["market"]
    assert {k: market[k] for k in ("price_usd", "market_cap_usd", "volume_24h_usd")} == {
        "price_usd": "0.15",
        "market_cap_usd": "12000000",
        "volume_24h_usd": "340000",
    }
    assert (market["roi"], market["ath_usd"]) == ("0.5", "0.4")
    assert market["updated_at"] == offering.market_summary.updated_at.isoformat()
    assert record["listings"] == [
        {
            "venue": "Kraken",
            "pair": "ALPHA/EUR",
            "status": "listed",
            "first_seen": "2026-02-20T00:00:00+00:00",
            "last_seen": "2026-06-01T12:00:00+00:00",
        }
    ]


def test_an_offering_without_market_data_exports_null_market_and_no_listings():
    OfferingFactory()
    (record,) = assessed_export()
    assert (record["market"], record["listings"]) == (None, [])


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_market_fields_are_read_only_and_a_re_import_changes_nothing(fmt, tmp_path):
    offering = marketed()
    ListingFactory(offering=offering)
    path = tmp_path / f"export.{fmt}"
    call_command("export_offerings", "--format", fmt, "--output", str(path), stderr=io.StringIO())
    history = Offering.history.count()

    out = io.StringIO()
    call_command("import_offerings", str(path), "--format", fmt, "--no-progress", stdout=out)

    assert "0 created, 0 updated, 1 unchanged" in out.getvalue()
    assert Offering.history.count() == history
    if fmt == "csv":
        assert '""price_usd"":""0.15""' in path.read_text()


def test_an_imported_market_object_is_ignored():
    offering = OfferingFactory(slug="kept")
    record = {"slug": "kept", "name": offering.name, "kind": "ico", "market": {"price_usd": "9"}}
    report = offerings_import(rows=[SourceRow(1, record | {"listings": [{"venue": "X"}]})])
    assert report.errors == []
    assert json.loads(json.dumps(next(assessed_export())))["market"] is None
