"""A capped search count starts with the search's literal matches (diligence.selectors.
offering_search_floor): past the cap on those alone, it never computes a word similarity;
otherwise it counts every kind of match, as before."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diligence.selectors import offering_filter, offering_search_floor
from offerings.models import Offering
from offerings.search_tiers import capped_count
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db
LIST = reverse("offerings:list")
CAP = 3
on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="only PostgreSQL's search has fuzzy matches"
)


@pytest.fixture
def browsing(client, analyst, monkeypatch):
    monkeypatch.setattr("analyst.views.browse.SEARCH_COUNT_CAP", CAP)
    client.force_login(analyst)

    def search(q: str):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST, {"q": q})
        assert response.status_code == 200
        # the capped counts (a page past a rank tier's end may count that tier too)
        counts = [
            query["sql"]
            for query in captured.captured_queries
            if "COUNT(*)" in query["sql"] and f"LIMIT {CAP + 1}" in query["sql"]
        ]
        return response.context["page"].paginator, counts

    return search


def named(*names: str) -> None:
    for number, name in enumerate(names):
        OfferingFactory(name=name, symbol=f"S{number}", slug=f"s-{number}", kind="ico")


@on_postgresql
def test_a_broad_search_is_capped_on_its_literal_matches_alone(browsing):
    named(*(f"Bench {n}" for n in range(CAP + 1)), "Bencj Labs", "Quiet")
    paginator, counts = browsing("bench")
    assert paginator.capped and paginator.count == CAP
    # One statement: the literal matches first, every kind of match only when those stay
    # within the cap (PostgreSQL evaluates a CASE's subquery only when its branch is taken).
    assert len(counts) == 1 and counts[0].startswith("SELECT CASE WHEN")


@on_postgresql
def test_fuzzy_matches_still_count_when_the_literal_ones_stay_under_the_cap(browsing):
    named("Bench One", "Bench Two", "Bencj Labs", "Bencj Works", "Quiet")
    paginator, counts = browsing("bench")
    # 2 literal matches: not past the cap of 3, so all kinds are counted: 4, past it.
    assert paginator.capped and paginator.count == CAP
    assert len(counts) == 1


@on_postgresql
def test_every_kind_of_match_is_counted_only_when_the_floor_stays_within_the_cap():
    from django.db import DatabaseError, transaction
    from django.db.models.expressions import RawSQL

    named("Bench 0", "Bench 1", "Bench 2")
    floor = Offering.objects.filter(name__startswith="Bench")
    # Counting this fails on the first row it reads (division by zero, per row: not folded).
    failing = Offering.objects.annotate(boom=RawSQL("1 / (id - id)", ())).filter(boom=1)
    assert capped_count(failing, 2, floor) == 3  # 3 literal matches, past 2: never counted
    with pytest.raises(DatabaseError), transaction.atomic():
        capped_count(failing, 3, floor)  # within 3: counted


@on_postgresql
def test_a_narrow_search_counts_exactly(browsing):
    named("Bench One", "Bencj Labs", "Quiet")
    paginator, _ = browsing("bench")
    assert not paginator.capped and paginator.count == 2


@on_postgresql
def test_the_floor_is_a_subset_of_the_matches_with_the_same_filters():
    named("Bench One", "Bench Two", "Bencj Labs")
    OfferingFactory(name="Bench Sto", slug="bench-sto", kind="sto")
    criteria = {"q": "bench", "kind": "ico"}
    floor = set(offering_search_floor(criteria).values_list("slug", flat=True))
    matching = set(offering_filter(criteria).values_list("slug", flat=True))
    assert floor == {"s-0", "s-1"} and floor < matching and "bench-sto" not in matching


def test_there_is_no_floor_without_a_search_or_where_every_match_is_literal():
    assert offering_search_floor({"kind": "ico"}) is None
    assert offering_search_floor({"q": "  "}) is None
    if connection.vendor != "postgresql":
        assert Offering.objects.all().search_literal("bench") is None
        assert offering_search_floor({"q": "bench"}) is None
