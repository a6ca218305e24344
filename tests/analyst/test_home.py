"""The signed-in home page: sales soon, big unlocks, risk news and watched changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from analyst.models import AnalystPreferences, Notification, Watch
from offerings.models import Offering
from offerings.unlock_events import unlock_events_refresh
from tests.factories import OfferingFactory, TokenAllocationFactory

pytestmark = pytest.mark.django_db

# Session, user; preferences read (created on a first visit: 2 more), last visit noted; the four
# blocks; the header's unread count.
# +1 since roles: the user's permissions; -1 since they are cached between requests.
# -1 since the user is kept between requests (accounts.auth_cache).
HOME_QUERIES = 8


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    AnalystPreferences.objects.create(user=analyst)
    return client


def test_anonymous_visitors_go_to_the_list(client):
    assert client.get("/").url == "/offerings/"


def test_sales_starting_or_ending_within_14_days_are_listed(analyst_client, page_queries):
    today = timezone.localdate()
    OfferingFactory(name="Starts Soon", start_date=today + dt.timedelta(days=3), end_date=None)
    OfferingFactory(
        name="Ends Soon",
        start_date=today - dt.timedelta(days=20),
        end_date=today + dt.timedelta(10),
    )
    OfferingFactory(name="Far Away", start_date=today + dt.timedelta(days=40), end_date=None)
    html = page_queries(analyst_client, "/").html
    assert "Starts Soon" in html and "Ends Soon" in html and "Far Away" not in html
    assert f"start_from={today:%Y-%m-%d}" in html


def test_unlocks_over_the_analysts_threshold_are_listed(analyst_client, analyst, page_queries):
    today = timezone.localdate()
    offering = OfferingFactory(name="Unlocker", end_date=today - dt.timedelta(days=10))
    TokenAllocationFactory(
        offering=offering, bucket="public_sale", percent=Decimal(40), tge_percent=Decimal(100)
    )
    TokenAllocationFactory(
        offering=offering, bucket="team", percent=Decimal(20), vesting_months=4, cliff_months=0
    )
    unlock_events_refresh(offering_ids=[offering.pk])
    html = page_queries(analyst_client, "/").html
    assert "Unlocker</a> Team, 12.50%" in html
    AnalystPreferences.objects.filter(user=analyst).update(unlock_threshold_percent=20)
    html = page_queries(analyst_client, "/").html
    assert "Unlocker</a> Team" not in html
    assert "min_percent_circulating=20" in html


def test_news_is_what_happened_since_the_last_visit(analyst_client, analyst, page_queries):
    watched = OfferingFactory(name="Watched One")
    Watch.objects.create(user=analyst, offering=watched)
    Notification.objects.create(
        user=analyst, offering=watched, kind="risk_changed", message="Risk of Watched One rose"
    )
    first = page_queries(analyst_client, "/").html
    assert "Risk of Watched One rose" in first and "Watched One</a>" in first
    second = page_queries(analyst_client, "/").html
    assert "Risk of Watched One rose" not in second
    assert "No watched offering was edited since your last visit" in second
    Offering.objects.filter(pk=watched.pk).update(updated_at=timezone.now())
    third = page_queries(analyst_client, "/").html
    assert "Watched One</a>" in third


def test_the_home_page_query_count_is_pinned(analyst_client, analyst, page_queries):
    today = timezone.localdate()
    for n in range(5):
        offering = OfferingFactory(start_date=today + dt.timedelta(days=n), end_date=None)
        Watch.objects.create(user=analyst, offering=offering)
        Notification.objects.create(
            user=analyst, offering=offering, kind="new_flag", message=f"New red flag {n}"
        )
    count = page_queries(analyst_client, "/").count
    assert count == HOME_QUERIES
