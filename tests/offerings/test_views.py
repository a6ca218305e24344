from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AuditFactory,
    DocumentFactory,
    OfferingFactory,
    SaleRoundFactory,
    TeamMemberFactory,
    TokenAllocationFactory,
    VenueFactory,
    full_offering,
)

pytestmark = pytest.mark.django_db

LIST = reverse("offerings:list")
# Session, user, unread notifications, the count for the pager, one page of offerings.
LIST_QUERIES = 5
# Session, user, the offering with its venue, then team, allocations, rounds, audits, socials
# and documents, one query each, and its assessments.
DETAIL_QUERIES = 11
# ... and, once assessed twice, the current findings and the two sets compared for changes.
ASSESSED_DETAIL_QUERIES = DETAIL_QUERIES + 3


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def detail_url(offering) -> str:
    return reverse("offerings:detail", args=[offering.slug])


def shown(content: str, label: str) -> str:
    """The value the detail page shows for `label`."""
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", content, re.S)
    assert match, f"no {label!r} on the page"
    return match.group(1).strip()


def list_row(content: str, offering) -> list[str]:
    """The cells of the list row of `offering`, as text."""
    row = re.search(rf"<tr>\s*<td><a href=\"{detail_url(offering)}\">.*?</tr>", content, re.S)
    assert row, f"no row for {offering.slug}"
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td.*?</td>", row[0], re.S)
    ]


def test_the_home_page_leads_to_the_list(client):
    assert client.get("/").url == LIST


@pytest.mark.parametrize("page", ["list", "detail"])
def test_an_anonymous_visitor_is_sent_to_log_in(client, page):
    url = LIST if page == "list" else detail_url(OfferingFactory())
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
    _, _, status, _, sale, hard_cap, raised, score, *_ = list_row(content, unknown)
    assert (status, sale, hard_cap, raised) == ("unknown", "? \u2013 ?", "unknown", "unknown")
    assert score == "\u2014"  # not assessed yet
    _, _, status, _, _, hard_cap, raised, *_ = list_row(content, stated)
    assert (status, hard_cap, raised) == ("active", "none", "0")
    *_, hard_cap, raised, _, _, _ = list_row(content, capped)
    assert (hard_cap, raised) == ("5,000,000 USD", "1,250,001")


def test_the_list_is_paged(analyst_client):
    OfferingFactory.create_batch(55)
    first = analyst_client.get(LIST)
    second = analyst_client.get(LIST, {"page": 2})
    assert len(first.context["page"]) == 50
    assert len(second.context["page"]) == 5
    assert "page 2 of 2" in second.content.decode()


def test_the_detail_page_shows_the_offering_and_its_parts(analyst_client):
    offering = full_offering(venue=VenueFactory(name="Harbor Digital"), kind="ieo")
    DocumentFactory(offering=offering, title="Audit report", kind="audit_report")
    response = analyst_client.get(detail_url(offering))
    assert response.status_code == 200
    content = response.content.decode()
    assert offering.name in content
    assert shown(content, "Venue") == "Harbor Digital"
    assert shown(content, "Soft cap") == "1,000,000 USD"
    assert shown(content, "Hard cap") == "5,000,000 USD"
    assert shown(content, "Country") == "CH"
    for member in offering.team.all():
        assert (member.name or "(anonymous)") in content
    assert "Public sale: 40%" in content
    assert "Audit by Bastion Security" in content
    assert "Audit report" in content


def test_the_detail_page_shows_unknown_values_as_unknown_not_zero(analyst_client):
    offering = OfferingFactory(
        soft_cap=None,
        hard_cap=None,
        raised_usd=None,
        refund_policy="",
        kyc="",
        country="",
        legal_entity="",
        start_date=None,
        end_date=None,
    )
    content = analyst_client.get(detail_url(offering)).content.decode()
    for label in ["Status", "Soft cap", "Hard cap", "Raised", "KYC", "Country", "Legal entity"]:
        assert shown(content, label) == "unknown", label
    assert shown(content, "Refund if soft cap missed") == "unknown"
    assert "No team recorded." in content


def test_the_detail_page_tells_a_stated_zero_cap_from_an_unknown_one(analyst_client):
    offering = OfferingFactory(soft_cap=Decimal(0), hard_cap=Decimal(0), raised_usd=Decimal(0))
    content = analyst_client.get(detail_url(offering)).content.decode()
    assert shown(content, "Soft cap") == "none"
    assert shown(content, "Hard cap") == "none"
    assert shown(content, "Raised") == "0 USD"


def test_an_unknown_offering_is_not_found(analyst_client):
    assert analyst_client.get(reverse("offerings:detail", args=["no-such-sale"])).status_code == 404


def test_the_pages_only_answer_get(analyst_client):
    assert analyst_client.post(LIST).status_code == 405


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_the_list_query_count_is_pinned_and_independent_of_the_number_of_offerings(
    analyst_client,
):
    for _ in range(3):
        full_offering(venue=VenueFactory(), kind="ido")
    assert queries(analyst_client, LIST) == LIST_QUERIES
    for _ in range(40):
        full_offering(venue=VenueFactory(), kind="ieo")
    assert queries(analyst_client, LIST) == LIST_QUERIES
    assert queries(analyst_client, f"{LIST}?page=1") == LIST_QUERIES


def add_parts(offering, count: int) -> None:
    TeamMemberFactory.create_batch(count, offering=offering)
    TokenAllocationFactory.create_batch(count, offering=offering, percent=Decimal(1))
    SaleRoundFactory.create_batch(count, offering=offering)
    AuditFactory.create_batch(count, offering=offering)
    DocumentFactory.create_batch(count, offering=offering, title="")


def test_the_detail_query_count_is_pinned_and_independent_of_the_number_of_parts(
    analyst_client,
):
    few = OfferingFactory(kind="ieo", venue=VenueFactory())
    add_parts(few, 1)
    many = OfferingFactory(kind="ieo", venue=VenueFactory())
    add_parts(many, 12)
    OfferingFactory.create_batch(10)
    assert queries(analyst_client, detail_url(few)) == DETAIL_QUERIES
    assert queries(analyst_client, detail_url(many)) == DETAIL_QUERIES


def test_an_assessed_offering_shows_its_findings_and_changes_with_pinned_queries(analyst_client):
    from diligence.rescoring import assessments_refresh

    few = full_offering()
    many = full_offering()
    add_parts(many, 8)
    assessments_refresh()
    assessments_refresh(force=True)
    assert queries(analyst_client, detail_url(few)) == ASSESSED_DETAIL_QUERIES
    assert queries(analyst_client, detail_url(many)) == ASSESSED_DETAIL_QUERIES
    content = analyst_client.get(detail_url(few)).content.decode()
    assert "Anonymous team" in content and "team: 1 of 2 members named" in content
    assert "Score history" in content
