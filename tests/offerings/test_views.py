from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    OfferingFactory,
    VenueFactory,
    full_offering,
)

pytestmark = pytest.mark.django_db

LIST = reverse("offerings:list")
# Session, user, the venues (filter options), the count for the pager, one page of offerings
# and the header's unread notifications (test_browse.py pins the fragment and public counts).
# +1 since roles: the signed-in user's permissions, read once per request (accounts.backends).
# -1 since the permission cache: read once, then cached (conftest.page_queries: steady state).
# Since the rows cache (analyst.results_cache): the count and the page's rows are read by
# statements kept from the first request, and rows served again are not read a second time.
# -1 since the user is kept between requests (accounts.auth_cache).
LIST_QUERIES = 5
# A page whose rows are new: +1, the page's rows read again as values to write the rows.
LIST_QUERIES_NEW_ROWS = LIST_QUERIES + 1
# Session, user, the offering with its venue, then team, allocations, rounds, audits, socials
# and documents, one query each, and its assessments.
DETAIL_QUERIES = 12
# ... and, once assessed twice, the current findings and the two sets compared for changes.
ASSESSED_DETAIL_QUERIES = DETAIL_QUERIES + 3


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def detail_url(offering) -> str:
    return reverse("offerings:detail", args=[offering.slug])


def list_row(content: str, offering) -> list[str]:
    """The cells of the list row of `offering`, as text."""
    row = re.search(rf"<tr>\s*<td><a href=\"{detail_url(offering)}\">.*?</tr>", content, re.S)
    assert row, f"no row for {offering.slug}"
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td.*?</td>", row[0], re.S)
    ]


def test_the_home_page_leads_anonymous_visitors_to_the_list(client):
    assert client.get("/").url == LIST


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    url = LIST
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_the_list_shows_offerings_to_a_logged_in_analyst(analyst_client):
    venue = VenueFactory(name="Northgate Exchange")
    OfferingFactory(name="Helix Grid", kind="ieo", venue=venue)
    OfferingFactory(name="Umbra Link")
    response = analyst_client.get(LIST)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Helix Grid" in content
    assert "Umbra Link" in content
    assert "Northgate Exchange" in content
    assert "IEO" in content


def test_an_empty_list_says_how_to_get_data(analyst_client):
    assert "No offerings yet" in analyst_client.get(LIST).content.decode()


def test_the_list_shows_unknown_values_as_unknown_and_zero_as_a_value(analyst_client):
    today = timezone.localdate()
    unknown = OfferingFactory(
        start_date=None, end_date=None, hard_cap=None, raised_usd=None, cap_currency=""
    )
    stated = OfferingFactory(
        start_date=today - dt.timedelta(days=2),
        end_date=today + dt.timedelta(days=2),
        hard_cap=Decimal(0),
        raised_usd=Decimal(0),
    )
    capped = OfferingFactory(hard_cap=Decimal("5000000"), raised_usd=Decimal("1250000.5"))
    content = analyst_client.get(LIST).content.decode()
    _, _, status, _, sale, caps, raised, score, *_ = list_row(content, unknown)
    assert (status, sale, raised) == ("unknown", "? \u2013 ?", "unknown")
    assert caps.split() == ["soft", "1,000,000", "hard", "unknown"]
    assert score == "\u2014"  # not assessed yet
    _, _, status, _, _, caps, raised, *_ = list_row(content, stated)
    assert (status, raised) == ("active", "0")
    assert caps.split() == ["soft", "1,000,000", "USD", "hard", "none"]
    *_, caps, raised, _, _, _, _ = list_row(content, capped)
    assert (caps.split()[-3:], raised) == (["hard", "5,000,000", "USD"], "1,250,001")


def test_the_list_is_paged(analyst_client):
    OfferingFactory.create_batch(55)
    first = analyst_client.get(LIST)
    second = analyst_client.get(LIST, {"page": 2})
    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 5
    assert "page 2 of 2" in second.content.decode()


def test_the_pages_only_answer_get(analyst_client):
    assert analyst_client.post(LIST).status_code == 405


def test_the_list_query_count_is_pinned_and_independent_of_the_number_of_offerings(
    analyst_client,
    page_queries,
):
    for _ in range(3):
        full_offering(venue=VenueFactory(), kind="ido")
    assert page_queries(analyst_client, LIST).count == LIST_QUERIES_NEW_ROWS
    assert page_queries(analyst_client, LIST).count == LIST_QUERIES
    for _ in range(40):
        full_offering(venue=VenueFactory(), kind="ieo")
    # The kept count (3 then, 43 now) moved the only page's end: counted, then built anew.
    assert page_queries(analyst_client, LIST).count == LIST_QUERIES_NEW_ROWS + 1
    assert page_queries(analyst_client, LIST).count == LIST_QUERIES
    # Another URL for the same rows: its own statements, the rows already written.
    assert page_queries(analyst_client, f"{LIST}?page=1").count == LIST_QUERIES
