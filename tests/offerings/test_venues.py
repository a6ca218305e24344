from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from analyst.views.venues import incidents_since
from diligence.models import Assessment
from diligence.rescoring import assessments_refresh
from tests.factories import OfferingFactory, SecurityIncidentFactory, VenueFactory, full_offering

pytestmark = pytest.mark.django_db

VENUES = reverse("offerings:venues")
# Session, user, the venues with their counts, and the header's unread-notification count.
# +1 since roles: the signed-in user's permissions, read once per request (accounts.backends).
# -1 since the permission cache: read once, then cached (conftest.page_queries: steady state).
# -1 since the user is kept between requests (accounts.auth_cache).
LIST_QUERIES = 3
# Session, user, the venue, its incidents, the count and the page of its offerings, and the
# header's unread-notification count.
# -1 since the permission cache: read once, then cached (conftest.page_queries: steady state).
# -1 since the user is kept between requests (accounts.auth_cache).
DETAIL_QUERIES = 6


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def venue_url(venue) -> str:
    return reverse("offerings:venue", args=[venue.slug])


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def venue_row(content: str, name: str) -> str:
    match = re.search(
        rf"<tr>\s*<th scope=\"row\"><a [^>]*>{re.escape(name)}</a>.*?</tr>", content, re.S
    )
    assert match, f"no row for {name}"
    return text(match.group(0))


def years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) + dt.timedelta(days=days)


def test_the_list_shows_each_venues_risk_profile(analyst_client):
    harbor = VenueFactory(
        name="Harbor Digital",
        kind="cex",
        country="LT",
        licence="VASP registration (Lithuania)",
        licensed=True,
        kyc_aml_enforced=True,
        reputation_tier="tier2",
    )
    VenueFactory(
        name="Zenith Pad",
        kind="launchpad",
        country="",
        licence="",
        licensed=None,
        kyc_aml_enforced=False,
        reputation_tier="",
    )
    SecurityIncidentFactory(venue=harbor, occurred_on=years_ago(1), kind="breach")
    SecurityIncidentFactory(venue=harbor, occurred_on=years_ago(2), kind="outage")
    SecurityIncidentFactory(venue=harbor, occurred_on=years_ago(3, days=-1), kind="insolvency")
    OfferingFactory.create_batch(2, venue=harbor, kind="ieo")
    content = analyst_client.get(VENUES).content.decode()
    assert venue_row(content, "Harbor Digital") == (
        "Harbor Digital Centralised exchange LT licensed: VASP registration (Lithuania) "
        "enforced Tier 2 — established 2 1 serious 2"
    )
    assert venue_row(content, "Zenith Pad") == (
        "Zenith Pad Launchpad unknown unknown not enforced unknown 0 0"
    )


def test_an_empty_list_says_where_venues_come_from(analyst_client):
    assert "No venues yet" in analyst_client.get(VENUES).content.decode()


def test_the_incident_window_is_three_years_back_to_the_day():
    assert incidents_since(dt.date(2026, 6, 1)) == dt.date(2023, 6, 1)
    assert incidents_since(dt.date(2028, 2, 29)) == dt.date(2025, 2, 28)


def test_a_venue_page_shows_its_profile_incidents_and_offerings_with_outcomes(analyst_client):
    venue = VenueFactory(name="Zenith Pad", licensed=False, kyc_aml_enforced=None)
    SecurityIncidentFactory(
        venue=venue, occurred_on=years_ago(1), kind="breach", description="Hot wallet drained."
    )
    SecurityIncidentFactory(venue=venue, occurred_on=years_ago(5), kind="outage")
    scored = full_offering(name="Garnet Network", venue=venue, kind="ido")
    OfferingFactory(name="Unscored Sale", venue=venue, kind="ieo")
    OfferingFactory(name="Elsewhere")
    assessments_refresh(offerings=type(scored).objects.filter(pk=scored.pk))
    content = analyst_client.get(venue_url(venue)).content.decode()
    profile = text(re.search(r"<h2>Risk profile</h2>.*?</dl>", content, re.S).group(0))
    assert "Licence not licensed" in profile and "KYC/AML unknown" in profile
    assert "Incidents, 3 years 1" in profile
    incidents = text(re.search(r"<h2>Security incidents</h2>.*?</ul>", content, re.S).group(0))
    assert "Security breach / hack serious last 3 years Hot wallet drained." in incidents
    assert "Prolonged outage" in incidents
    assert "Elsewhere" not in content
    assessment = Assessment.objects.get(offering=scored)
    garnet = venue_row(content, "Garnet Network")
    assert f"{assessment.score} {assessment.grade} {assessment.risk}" in garnet
    assert "IDO" in garnet
    assert venue_row(content, "Unscored Sale").endswith("— — —")


def test_a_venues_offerings_are_paged(analyst_client):
    venue = VenueFactory()
    OfferingFactory.create_batch(53, venue=venue, kind="ieo")
    second = analyst_client.get(venue_url(venue), {"page": 2}).content.decode()
    assert "page 2 of 2 (53 offerings)" in second
    assert second.count('<th scope="row"><a href="/offerings/') == 3


def test_an_unknown_venue_is_not_found(analyst_client):
    assert analyst_client.get(reverse("offerings:venue", args=["nowhere"])).status_code == 404


def test_venue_pages_follow_the_browsing_rules(client, settings):
    venue = VenueFactory(name="Open Venue")
    settings.OFFERWATCH_PUBLIC_BROWSING = False
    for url in (VENUES, venue_url(venue)):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    settings.OFFERWATCH_PUBLIC_BROWSING = True
    for url in (VENUES, venue_url(venue)):
        assert "Open Venue" in client.get(url).content.decode()
        assert client.post(url).status_code == 405


def test_the_list_query_count_does_not_grow_with_venues_incidents_or_offerings(
    analyst_client, page_queries
):
    venue = VenueFactory()
    SecurityIncidentFactory(venue=venue)
    assert page_queries(analyst_client, VENUES).count == LIST_QUERIES
    for _ in range(15):
        other = VenueFactory()
        SecurityIncidentFactory.create_batch(3, venue=other)
        OfferingFactory.create_batch(2, venue=other, kind="ieo")
    assert page_queries(analyst_client, VENUES).count == LIST_QUERIES


def test_the_detail_query_count_does_not_grow_with_incidents_or_offerings(
    analyst_client, page_queries
):
    small, large = VenueFactory(), VenueFactory()
    OfferingFactory(venue=small, kind="ieo")
    SecurityIncidentFactory.create_batch(8, venue=large)
    for _ in range(5):
        full_offering(venue=large, kind="ido")
    assessments_refresh()
    assert page_queries(analyst_client, venue_url(small)).count == DETAIL_QUERIES
    assert page_queries(analyst_client, venue_url(large)).count == DETAIL_QUERIES
