"""The unlock calendar (/unlocks/) and the offering page's unlock panels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from analyst.models import Watch
from offerings.models import MarketSnapshot, MarketSummary
from offerings.unlock_calendar import CalendarQuery, calendar_page
from offerings.unlock_events import unlock_events_refresh
from offerings.unlocks import add_months
from offerings.vesting_returns import round_returns
from tests.factories import OfferingFactory, SaleRoundFactory, TokenAllocationFactory
from tests.offerings.test_detail import DETAIL_QUERIES

pytestmark = pytest.mark.django_db

CALENDAR = reverse("offerings:unlocks")
# Session, user, the events page, the month counts, and the header's unread count.
# +1 since roles: the user's permissions; -1 since they are cached between requests.
# -1 since the user is kept between requests (accounts.auth_cache).
CALENDAR_QUERIES = 4


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def vesting_offering(name: str, *, start: dt.date, team_percent="20", **fields):
    """40% public at TGE, then a team allocation unlocking monthly over 12 months."""
    offering = OfferingFactory(name=name, slug=name.lower(), end_date=start, **fields)
    TokenAllocationFactory(
        offering=offering, bucket="public_sale", percent=Decimal(40), tge_percent=Decimal(100)
    )
    TokenAllocationFactory(
        offering=offering,
        bucket="team",
        percent=Decimal(team_percent),
        vesting_months=12,
        cliff_months=0,
        schedule_source="announcement",
        schedule_source_url=f"https://{name.lower()}.example/vesting",
    )
    unlock_events_refresh(offering_ids=[offering.pk])
    return offering


def test_the_calendar_lists_coming_unlocks_with_their_share_and_source(
    analyst_client, page_queries
):
    today = timezone.localdate()
    vesting_offering("Aster", start=today - dt.timedelta(days=10))
    page = page_queries(analyst_client, CALENDAR)
    count, html = page.count, page.html
    assert count == CALENDAR_QUERIES
    # The next 90 days hold 3 of Aster's 12 monthly team tranches.
    assert html.count('href="/offerings/aster/#unlocks"') == 3
    assert "https://aster.example/vesting" in html and "Announcement" in html
    assert "<svg" in html and "Team unlock" in html


def test_the_calendar_query_count_does_not_grow_with_offerings(analyst_client, page_queries):
    today = timezone.localdate()
    for n in range(6):
        vesting_offering(f"Bulk{n}", start=today - dt.timedelta(days=n))
    count = page_queries(analyst_client, f"{CALENDAR}?watched=on&bucket=team").count
    assert count == CALENDAR_QUERIES


def test_the_calendar_filters_by_share_of_circulating_supply_bucket_and_dates(
    analyst_client, page_queries
):
    today = timezone.localdate()
    start = today - dt.timedelta(days=5)
    vesting_offering("Big", start=start, team_percent="48")  # 4% of supply a month: 10% of 40
    vesting_offering("Small", start=start, team_percent="12")  # 1% a month: 2.5% of 40
    html = page_queries(analyst_client, f"{CALENDAR}?min_percent_circulating=5").html
    assert "/offerings/big/" in html and "/offerings/small/" not in html
    html = page_queries(analyst_client, f"{CALENDAR}?bucket=public_sale").html
    assert "No unlock matches these filters." in html
    later = add_months(start, 6)
    html = page_queries(analyst_client, f"{CALENDAR}?from={later}&to={later}").html
    assert html.count('href="/offerings/big/#unlocks"') == 1


def test_watched_only_shows_the_analysts_watched_offerings(analyst_client, analyst, page_queries):
    today = timezone.localdate()
    watched = vesting_offering("Mine", start=today - dt.timedelta(days=3))
    vesting_offering("Theirs", start=today - dt.timedelta(days=3))
    Watch.objects.create(user=analyst, offering=watched)
    html = page_queries(analyst_client, f"{CALENDAR}?watched=on").html
    assert "/offerings/mine/" in html and "/offerings/theirs/" not in html


def test_a_bad_range_is_refused_naming_the_dates(analyst_client, page_queries):
    html = page_queries(analyst_client, f"{CALENDAR}?from=2026-05-01&to=2026-04-01").html
    assert "to (2026-04-01) is before from (2026-05-01)" in html


def test_later_pages_follow_on_without_repeating():
    today = timezone.localdate()
    for n in range(3):
        vesting_offering(f"Paged{n}", start=today - dt.timedelta(days=1))
    query = CalendarQuery(today, today + dt.timedelta(days=400))  # 3 × 12 team tranches
    first, key = calendar_page(query, size=20)
    second, last_key = calendar_page(query, after=key, size=20)
    assert (len(first), len(second), last_key) == (20, 16, None)
    assert not {e.pk for e in first} & {e.pk for e in second}


def test_the_offering_page_shows_the_supply_chart_with_today_and_the_coming_unlocks(
    analyst_client,
    page_queries,
):
    today = timezone.localdate()
    offering = vesting_offering("Orbit", start=today - dt.timedelta(days=40))
    html = page_queries(analyst_client, reverse("offerings:detail", args=[offering.slug])).html
    assert 'class="chart supply-chart"' in html
    assert "the line marks today" in html
    assert html.count("<polygon") == 2  # public sale and team bands
    assert "Coming unlocks (2 already past)" in html  # the TGE and the first tranche
    assert "https://orbit.example/vesting" in html


def test_an_offering_without_a_schedule_says_so(analyst_client, page_queries):
    offering = OfferingFactory(end_date=None)
    TokenAllocationFactory(offering=offering)
    html = page_queries(analyst_client, reverse("offerings:detail", args=[offering.slug])).html
    assert "No unlock schedule recorded" in html and "supply-chart" not in html


def test_vesting_adjusted_returns_sell_each_tranche_at_its_first_quote(
    analyst_client, page_queries
):
    today = timezone.localdate()
    start = add_months(today, -3)
    offering = vesting_offering("Quoted", start=start, token_price_usd=Decimal("0.10"))
    SaleRoundFactory(offering=offering, kind="public", price_usd=Decimal("0.10"))
    MarketSummary.objects.create(offering=offering, price_usd=Decimal("0.05"))
    for day, price in ((start, "0.30"), (add_months(start, 2), "0.20")):
        MarketSnapshot.objects.create(
            offering=offering,
            time=dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC),
            source="test",
            price_usd=Decimal(price),
        )
    page = page_queries(analyst_client, reverse("offerings:detail", args=[offering.slug]))
    count, html = page.count, page.html
    # The detail page's pinned count, plus the price chart's daily prices and the returns' own
    # (every quoted day since listing).
    assert count == DETAIL_QUERIES + 1 + 1
    # The public sale unlocked everything at TGE, sold at its first quote (0.30): +200%,
    # where today's price gives -50%.
    assert "Vesting-adjusted returns" in html
    assert "200%" in html and "-50%" in html


def test_round_returns_weigh_each_tranche_by_its_share():
    class T:
        def __init__(self, day, share):
            self.bucket, self.date, self.percent_of_allocation = "presale", day, Decimal(share)

    d = dt.date
    [result] = round_returns(
        rounds=[("private", Decimal("0.10")), ("seed", None)],
        tranches=[T(d(2026, 1, 1), 25), T(d(2026, 2, 1), 25), T(d(2026, 3, 1), 50)],
        daily_prices=[(d(2026, 1, 5), Decimal("0.20")), (d(2026, 2, 1), Decimal("0.40"))],
        price_now=Decimal("0.05"),
        today=d(2026, 3, 10),
    )
    # Jan sold on 5 January at 0.20, Feb at 0.40; March has no quote on or after it: unsold.
    assert result.sellable_percent == Decimal(100)
    assert result.vesting_adjusted_roi == Decimal("2.0000")  # (0.2 + 0.4) / 2 / 0.10 - 1
    assert result.roi == Decimal("-0.5000")
    assert (result.tranches_sold, result.tranches_unlocked) == (2, 3)
