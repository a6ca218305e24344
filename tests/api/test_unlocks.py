"""GET /api/v1/unlocks/ and the schedule and vesting-return fields of an offering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from offerings.models import MarketSnapshot, MarketSummary
from offerings.unlock_events import unlock_events_refresh
from offerings.unlocks import add_months
from tests.api.test_access import problem
from tests.factories import OfferingFactory, SaleRoundFactory, TokenAllocationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/unlocks/"


def vesting(slug: str, start: dt.date, team_percent: str = "20", **fields):
    offering = OfferingFactory(slug=slug, end_date=start, **fields)
    TokenAllocationFactory(
        offering=offering, bucket="public_sale", percent=Decimal(40), tge_percent=Decimal(100)
    )
    TokenAllocationFactory(
        offering=offering,
        bucket="team",
        percent=Decimal(team_percent),
        vesting_months=6,
        cliff_months=0,
        schedule_source="on_chain",
        schedule_source_url="https://etherscan.example/vesting",
    )
    unlock_events_refresh(offering_ids=[offering.pk])
    return offering


def test_the_list_gives_unlocks_in_date_order_with_their_shares(read_client):
    start = dt.date(2030, 1, 31)
    vesting("north", start, team_percent="18")  # 3% of supply a month
    body = read_client.get(LIST, {"from": "2030-01-01", "to": "2030-03-31"}).json()
    assert [(r["date"], r["bucket"], r["kind"]) for r in body["results"]] == [
        ("2030-01-31", "public_sale", "tge"),
        ("2030-02-28", "team", "linear"),
        ("2030-03-31", "team", "linear"),
    ]
    february = body["results"][1]
    assert february == {
        "date": "2030-02-28",
        "offering": {
            "slug": "north",
            "name": february["offering"]["name"],
            "symbol": february["offering"]["symbol"],
            "url": "http://testserver/api/v1/offerings/north/",
        },
        "bucket": "team",
        "kind": "linear",
        "tokens": "3000000",
        "percent_of_allocation": "16.66666667",
        "percent_of_supply": "3",
        "percent_of_circulating": "7.5",
        "cumulative_percent": "43",
        "schedule_source": "on_chain",
        "schedule_source_url": "https://etherscan.example/vesting",
    }
    assert body["next"] is None


def test_the_filters_narrow_by_offering_and_share(read_client):
    start = dt.date(2030, 1, 31)
    vesting("big", start, team_percent="48")  # 8% of supply a month over 40: 20%
    vesting("small", start, team_percent="6")  # 1% over 40: 2.5%
    window = {"from": "2030-02-01", "to": "2030-02-28"}
    shares = read_client.get(LIST, {**window, "min_percent_circulating": "5"}).json()
    assert [r["offering"]["slug"] for r in shares["results"]] == ["big"]
    one = read_client.get(LIST, {**window, "offering": "small"}).json()
    assert [r["offering"]["slug"] for r in one["results"]] == ["small"]


def test_cursor_pages_follow_on_in_a_fixed_number_of_queries(
    read_client, django_assert_num_queries
):
    for n in range(4):
        vesting(f"paged-{n}", dt.date(2030, 1, 31))
    params = {"from": "2030-01-01", "to": "2030-12-31", "page_size": 10}
    read_client.get(LIST, params)  # records the key's use, written at most once a minute
    seen = []
    url, query = LIST, params
    while url:
        # the page (offering and allocation joined); the key and its owner's permissions are
        # kept by the process (accounts.auth_cache)
        with django_assert_num_queries(1):
            body = read_client.get(url, query).json()
        seen += [(r["offering"]["slug"], r["date"], r["bucket"]) for r in body["results"]]
        url, query = body["next"], None
    assert len(seen) == len(set(seen)) == 4 * 7


def test_bad_filters_are_problems_naming_the_field(read_client):
    body = problem(read_client.get(LIST, {"from": "2030-02-01", "to": "2030-01-01"}), 400)
    assert body["errors"] == [
        {
            "field": "to",
            "value": "2030-01-01",
            "rule": "to (2030-01-01) is before from (2030-02-01)",
        }
    ]
    body = problem(read_client.get(LIST, {"min_percent_circulating": "lots"}), 400)
    assert body["errors"][0]["field"] == "min_percent_circulating"
    body = problem(read_client.get(LIST, {"date": "2030-01-01"}), 400)
    assert body["errors"][0]["field"] == "date"


def test_the_list_needs_a_key(client):
    assert client.get(LIST).status_code == 401


def test_the_offering_carries_its_schedule_and_vesting_adjusted_returns(read_client):
    today = timezone.localdate()
    start = add_months(today, -2)
    offering = vesting("quoted", start, token_price_usd=Decimal("0.10"))
    SaleRoundFactory(offering=offering, kind="public", price_usd=Decimal("0.10"))
    MarketSummary.objects.create(offering=offering, price_usd=Decimal("0.05"))
    MarketSnapshot.objects.create(
        offering=offering,
        time=dt.datetime.combine(start, dt.time(12), tzinfo=dt.UTC),
        source="test",
        price_usd=Decimal("0.25"),
    )
    body = read_client.get("/api/v1/offerings/quoted/").json()
    team = next(a for a in body["allocations"] if a["bucket"] == "team")
    assert team["unlock_frequency"] == "monthly"
    assert team["schedule_source"] == "on_chain"
    assert body["vesting_returns"] == [
        {
            "round": "public",
            "price_usd": "0.1",
            "bucket": "public_sale",
            "sellable_percent": "100",
            "vesting_adjusted_roi": "1.5",
            "roi": "-0.5",
            "tranches_sold": 1,
            "tranches_unlocked": 1,
        }
    ]
