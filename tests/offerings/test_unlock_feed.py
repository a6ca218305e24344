"""The analyst's iCal feed of watched unlocks, and the settings page that issues and revokes it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from analyst.models import AnalystPreferences, Watch
from analyst.services import feed_token_renew
from offerings.unlock_events import unlock_events_refresh
from offerings.unlocks import add_months
from tests.factories import OfferingFactory, TokenAllocationFactory

pytestmark = pytest.mark.django_db

SETTINGS = reverse("offerings:settings")


def vesting(name: str, start: dt.date):
    slug = "-".join(name.lower().split())[:20]
    offering = OfferingFactory(name=name, slug=slug, symbol=name[:3].upper(), end_date=start)
    TokenAllocationFactory(
        offering=offering, bucket="public_sale", percent=Decimal(40), tge_percent=Decimal(100)
    )
    TokenAllocationFactory(
        offering=offering, bucket="team", percent=Decimal(20), vesting_months=2, cliff_months=0
    )
    unlock_events_refresh(offering_ids=[offering.pk])
    return offering


@pytest.fixture
def feed_url(analyst):
    return reverse("offerings:unlock_feed", args=[feed_token_renew(user=analyst)])


def test_the_feed_parses_as_icalendar_with_the_watched_unlocks(
    client, analyst, feed_url, page_queries
):
    today = timezone.localdate()
    start = today + dt.timedelta(days=3)
    # Commas and semicolons need escaping; the long name with an umlaut needs folding.
    watched = vesting("Comma, Semi; Colon and a rather long name for Übersee tokens", start)
    vesting("Unwatched", today + dt.timedelta(days=3))
    Watch.objects.create(user=analyst, offering=watched)
    fetched = page_queries(client, feed_url)  # no session: a calendar app fetches it
    response = fetched.response
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert fetched.count == 2  # the token's owner, the events
    body = response.content
    assert all(line.endswith(b"\r") for line in body.split(b"\n")[:-1])  # CRLF everywhere
    assert all(len(line.rstrip(b"\r")) <= 75 for line in body.split(b"\n"))  # folded
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    events = calendar.walk("VEVENT")
    assert b"\r\n " in body
    assert [event["DTSTART"].dt for event in events] == [
        start,
        add_months(start, 1),
        add_months(start, 2),
    ]
    first_team = events[1]
    assert str(first_team["SUMMARY"]) == (
        "Comma, Semi; Colon and a rather long name for Übersee tokens (COM): "
        "Team unlock, 25% of circulating"
    )
    assert "10000000 tokens" in str(first_team["DESCRIPTION"])
    assert first_team["DTEND"].dt - first_team["DTSTART"].dt == dt.timedelta(days=1)
    assert len({str(event["UID"]) for event in events}) == 3
    assert all(event["DTSTAMP"] for event in events)


def test_a_revoked_token_gets_404(client, analyst, feed_url):
    client.force_login(analyst)
    client.post(SETTINGS, {"action": "feed_revoke"})
    client.logout()
    assert client.get(feed_url).status_code == 404


def test_a_new_link_retires_the_old_one(client, analyst, feed_url):
    client.force_login(analyst)
    client.post(SETTINGS, {"action": "feed_renew"})
    new_token = AnalystPreferences.objects.get(user=analyst).feed_token
    assert client.get(feed_url).status_code == 404
    assert client.get(reverse("offerings:unlock_feed", args=[new_token])).status_code == 200


def test_an_unknown_token_gets_404(client):
    assert client.get(reverse("offerings:unlock_feed", args=["nope"])).status_code == 404


def test_the_settings_page_shows_the_feed_link_and_saves_the_threshold(client, analyst):
    client.force_login(analyst)
    page = client.get(SETTINGS).content.decode()
    assert "Make a calendar link" in page
    client.post(SETTINGS, {"action": "feed_renew"})
    token = AnalystPreferences.objects.get(user=analyst).feed_token
    assert f"/unlocks/feed/{token}.ics" in client.get(SETTINGS).content.decode()
    response = client.post(SETTINGS, {"action": "threshold", "unlock_threshold_percent": "2.5"})
    assert response.status_code == 302
    assert AnalystPreferences.objects.get(user=analyst).unlock_threshold_percent == Decimal("2.5")


def test_a_negative_threshold_is_refused(client, analyst):
    client.force_login(analyst)
    response = client.post(SETTINGS, {"action": "threshold", "unlock_threshold_percent": "-1"})
    assert response.status_code == 200
    assert "greater than or equal to 0" in response.content.decode()


def test_the_settings_page_needs_a_signed_in_analyst(client):
    assert client.get(SETTINGS).status_code == 302
