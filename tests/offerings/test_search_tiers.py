"""A broad search's pages read tier by tier of the rank (offerings.search_tiers): the same rows
in the same order as ranking every match, for every page, with fewer rows read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diligence.selectors import offering_search, offerings_with_assessment
from offerings.search_tiers import RankTiers, rank_tiers
from tests.factories import OfferingFactory, VenueFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the rank and its tiers are PostgreSQL's"
    ),
]
LIST = reverse("offerings:list")


def _offerings() -> None:
    """Matches of "helix" of every kind, with ties on the rank, the date and the name."""
    day = dt.date(2026, 1, 1)
    venue = VenueFactory(name="Helix Exchange")
    specs = [
        ("Helix", "HLX", day),  # exact name
        ("Orbit", "HELIX", day + dt.timedelta(days=3)),  # exact symbol
        ("Helix Grid", "HG1", day),  # whole word
        ("Grid Helix", "HG2", day),
        ("Helix Grid", "HG3", day),  # same name and date: id breaks the tie
        ("Helix-Prime", "HP", None),  # whole word, no date (last of its tier)
        ("Helixa", "HXA", day + dt.timedelta(days=9)),  # within a word
        ("Superhelix", "SHX", day),
        ("Helx Labs", "HLB", day),  # a typo: not similar enough to "helix"
        ("Umbra", "UMB", day),  # only through its venue
        ("Quiet", "QT", day),  # not a match
    ]
    for number, (name, symbol, start) in enumerate(specs):
        OfferingFactory(
            name=name,
            symbol=symbol,
            slug=f"o-{number}",
            start_date=start,
            venue=venue if name == "Umbra" else None,
            kind="ico",
        )
    for number in range(12):  # more whole-word matches, for several pages of the tier
        OfferingFactory(
            name=f"Helix {number}", slug=f"h-{number}", start_date=day - dt.timedelta(days=number)
        )


def _rows(q: str):
    return offerings_with_assessment(offering_search({"q": q})).values("name", "symbol", "id")


@pytest.mark.parametrize("q", ["helix", "HELIX", " helix ", "grid", "helx", "helix grid"])
def test_every_slice_of_the_tiers_is_that_slice_of_the_ranking(q):
    _offerings()
    ranked = list(_rows(q))
    tiers = RankTiers(_rows(q), q)
    assert len(ranked) >= 2
    for start in range(len(ranked) + 2):
        for size in (1, 2, 3, 5, 50):
            assert tiers[start : start + size] == ranked[start : start + size], (start, size)


def test_the_tiers_order_exact_then_whole_word_then_the_rest():
    _offerings()
    names = [row["name"] for row in RankTiers(_rows("helix"), "helix")[0:50]]
    assert names[:2] == ["Orbit", "Helix"]  # exact: newest first
    assert set(names[2:18]) == {"Helix Grid", "Grid Helix", "Helix-Prime"} | {
        f"Helix {n}" for n in range(12)
    }
    assert names[17] == "Helix-Prime"  # no date: last of its tier
    assert set(names[18:]) == {"Helixa", "Superhelix", "Umbra"}
    assert "Quiet" not in names and "Helx Labs" not in names


def test_a_page_inside_a_tier_reads_that_tier_only(django_assert_num_queries):
    _offerings()
    tiers = RankTiers(_rows("helix"), "helix")
    with django_assert_num_queries(2):  # the exact tier (2 rows), then the whole-word tier
        tiers[0:5]
    with django_assert_num_queries(3):  # starts past the exact tier: it is counted
        tiers[4:6]


def test_only_a_search_ranked_on_postgresql_is_read_by_tiers():
    assert rank_tiers(_rows("helix"), "helix") is not None
    assert rank_tiers(_rows("helix").order_by("name"), "helix") is None
    assert rank_tiers(_rows(""), "") is None


def test_a_broad_search_pages_through_the_tiers_like_the_ranking(client, analyst, monkeypatch):
    monkeypatch.setattr("analyst.views.browse.SEARCH_COUNT_CAP", 6)
    monkeypatch.setattr("analyst.views.browse.PAGE_SIZE", 4)
    _offerings()
    client.force_login(analyst)
    ranked = [row["name"] for row in _rows("helix")]
    shown = []
    for number in (1, 2):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LIST, {"q": "helix", "page": number})
        page = response.context["page"]
        assert page.paginator.capped
        shown += [row["name"] for row in page.object_list]
        # No query ranks every match: only the rows of the last tier are ranked.
        ranking = [q["sql"] for q in queries.captured_queries if "WORD_SIMILARITY" in q["sql"]]
        assert not any("ORDER BY GREATEST" in sql and "< 1" not in sql for sql in ranking)
    assert shown == ranked[:6]
