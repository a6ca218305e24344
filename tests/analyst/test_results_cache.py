"""analyst.results_cache: the offerings list's table rows are written again only when the rows
of the page change, and a page never shows anything stale: rows, count, pager or status."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone
from prometheus_client import REGISTRY

from analyst.results_cache import ROWS, STATEMENTS
from diligence.models import Assessment
from offerings.models import Offering
from tests.factories import OfferingFactory, VenueFactory

pytestmark = pytest.mark.django_db
LIST = "/offerings/"
HTMX = {"HTTP_HX_REQUEST": "true"}
SORTED = {"sort": "name"}


def outcome_count(outcome: str) -> float:
    sample = REGISTRY.get_sample_value("offerwatch_list_rows_cache_total", {"outcome": outcome})
    return sample or 0


def fragment(client, params: dict = SORTED) -> str:
    response = client.get(LIST, params, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def built_afresh(client, params: dict = SORTED) -> str:
    """The fragment as a process that has kept and cached nothing writes it."""
    cache.clear()
    STATEMENTS.clear()
    ROWS.clear()
    return fragment(client, params)


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def offerings():
    today = timezone.localdate()
    return [
        OfferingFactory(
            name=f"Row {number}",
            slug=f"row-{number}",
            kind="ico",
            start_date=today - dt.timedelta(days=30),
            end_date=today + dt.timedelta(days=30 + number),
        )
        for number in range(3)
    ]


def test_rows_served_again_are_the_rows_written(analyst_client, offerings):
    first = fragment(analyst_client)
    hits, misses = outcome_count("hit"), outcome_count("miss")
    again = fragment(analyst_client)
    assert again == first
    assert (outcome_count("hit"), outcome_count("miss")) == (hits + 1, misses)
    # Another URL reading the same rows: its own statements, the rows already written.
    assert fragment(analyst_client, {"sort": "name", "page": "1"}) == first
    assert outcome_count("hit") == hits + 2
    # The whole page carries the same rows.
    page = analyst_client.get(LIST, SORTED).content.decode()
    assert re.search(r"<tbody>.*</tbody>", first, re.S)[0] in page


def test_a_page_never_shows_a_row_that_has_changed(analyst_client, offerings):
    target = offerings[0]
    shown = fragment(analyst_client)

    def changed(change, what: str, expected: str) -> None:
        nonlocal shown
        change()
        served = fragment(analyst_client)
        assert served != shown, f"{what}: the page did not change"
        assert expected in served, f"{what}: {expected!r} missing"
        assert served == built_afresh(analyst_client), f"{what}: stale rows were served"
        fragment(analyst_client)  # kept again under the new rows
        shown = served

    changed(
        lambda: Offering.objects.filter(pk=target.pk).update(name="Row 0 &amp; renamed"),
        "a column",
        "Row 0 &amp;amp; renamed",
    )

    def assessed() -> None:
        Assessment.objects.create(
            offering=target,
            created_at=timezone.now(),
            methodology_version="1.0",
            score=Decimal("12.5"),
            grade="F",
            risk="critical",
            coverage=Decimal("0.500"),
            flags=["team.anonymous"],
            digest="test",
        )

    changed(assessed, "a new assessment", "12.5")
    changed(
        lambda: Offering.objects.filter(pk=target.pk).update(
            hard_cap=Decimal("4200000"), cap_currency="USD"
        ),
        "a cap",
        "4,200,000",
    )
    changed(
        lambda: Offering.objects.filter(pk=offerings[1].pk).update(deleted_at=timezone.now()),
        "a soft delete",
        "<strong>2</strong> offerings",
    )
    changed(lambda: OfferingFactory(name="Row 00", slug="row-00"), "a new row", "Row 00")


def test_the_count_and_pager_follow_the_matches_while_the_rows_stay(analyst_client):
    for number in range(55):
        OfferingFactory(name=f"Row {number:02d}", slug=f"row-{number:02d}")
    first = fragment(analyst_client)
    assert "55</strong> offerings" in first and "page 1 of 2" in first
    hits = outcome_count("hit")
    OfferingFactory(name="Zz last", slug="zz-last")  # past the first page
    again = fragment(analyst_client)
    assert outcome_count("hit") == hits + 1  # the same 50 rows
    assert "56</strong> offerings" in again
    assert again == built_afresh(analyst_client)


def test_the_last_page_follows_a_count_that_moves_its_end(analyst_client):
    for number in range(52):
        OfferingFactory(name=f"Row {number:02d}", slug=f"row-{number:02d}")
    last = {"sort": "name", "page": "2"}
    assert fragment(analyst_client, last).count("<tr>") == 1 + 2  # header and 2 rows
    OfferingFactory(name="Zz last", slug="zz-last")
    served = fragment(analyst_client, last)
    assert served.count("<tr>") == 1 + 3 and "Zz last" in served
    assert served == built_afresh(analyst_client, last)
    # A page past the end is the last page, as Django's paginator answers it.
    assert fragment(analyst_client, {"sort": "name", "page": "9"}) == served


def test_the_day_is_part_of_the_key_as_a_sale_s_status_follows_it(analyst_client, offerings):
    today = timezone.localdate()
    Offering.objects.filter(pk=offerings[0].pk).update(
        start_date=today + dt.timedelta(days=1), end_date=today + dt.timedelta(days=20)
    )
    before = fragment(analyst_client)
    assert "<td>upcoming</td>" in before
    later = today + dt.timedelta(days=2)  # the day moves, the session stays valid
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "localdate", lambda *args, **kwargs: later)
        during = fragment(analyst_client)
    assert "<td>upcoming</td>" not in during and during.count("<td>active</td>") == 3


def test_a_request_naming_a_venue_keeps_no_statement_and_a_gone_venue_is_named(
    analyst_client, offerings
):
    venue = VenueFactory(slug="harbor", name="Harbor")
    Offering.objects.filter(pk=offerings[0].pk).update(venue=venue, kind="ieo")
    by_venue = {"venue": "harbor"}
    assert "Row 0" in fragment(analyst_client, by_venue)
    assert len(STATEMENTS) == 0
    Offering.objects.filter(pk=offerings[0].pk).update(venue=None, kind="ico")
    venue.delete()
    served = fragment(analyst_client, by_venue)
    assert "venue=&#x27;harbor&#x27; is ignored" in served
    assert "Row 0" in served and "Row 1" in served


def test_no_match_writes_the_empty_table(analyst_client, offerings):
    served = fragment(analyst_client, {"kind": "sto"})
    assert "No offering matches these filters" in served
    assert fragment(analyst_client, {"kind": "sto"}) == served


def test_a_changed_setting_drops_the_kept_statements(analyst_client, offerings, settings):
    fragment(analyst_client)
    assert len(STATEMENTS) == 1
    settings.OFFERWATCH_PUBLIC_BROWSING = not settings.OFFERWATCH_PUBLIC_BROWSING
    assert len(STATEMENTS) == 0


def test_a_search_is_built_every_time(analyst_client, offerings):
    fragment(analyst_client, {"q": "Row"})
    assert len(STATEMENTS) == 0
