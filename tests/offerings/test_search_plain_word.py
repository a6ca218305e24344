"""A one-word search leaves out the full-text alternative (offerings.models.offering.plain_word):
every offering the full-text match finds, the containment test finds too."""

from __future__ import annotations

import pytest
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.test.utils import CaptureQueriesContext

from offerings.models import Offering
from offerings.models.offering import plain_word
from tests.factories import OfferingFactory

NAMES = [
    ("Helix Grid", "HG"),
    ("grid-helix labs", "GHL"),
    ("HELIX", "HX"),
    ("Helixa", "HXA"),
    ("Orbit", "HELIX"),
    ("Alpha Omega Systems", "AOS"),
    ("Omega.Alpha", "OA"),
    ("Token 2350", "T2350"),
    ("helix.io", "HIO"),
    ("Quiet", "QT"),
    ("Zephyr Mining And Quantum Tools", "ZMQ"),
]


@pytest.mark.parametrize(
    ("q", "plain"),
    [
        ("helix", True),
        ("T2350", True),
        ("helix grid", False),
        ("helix-grid", False),
        ('"helix"', False),
        ("-helix", False),
        ("hélix", False),
        ("", False),
    ],
)
def test_a_plain_word_is_one_run_of_ascii_letters_and_digits(q, plain):
    assert plain_word(q) is plain


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="full text is PostgreSQL's")
@pytest.mark.parametrize("q", ["helix", "HELIX", "grid", "omega", "alpha", "2350", "labs"])
def test_a_plain_word_search_finds_every_full_text_match(q):
    for number, (name, symbol) in enumerate(NAMES):
        OfferingFactory(name=name, symbol=symbol, slug=f"o-{number}")
    document = SearchVector("name", "symbol", config="simple")
    full_text = set(
        Offering.objects.annotate(d=document)
        .filter(d=SearchQuery(q, config="simple", search_type="websearch"))
        .values_list("name", flat=True)
    )
    assert full_text  # each word is some name's or symbol's
    with CaptureQueriesContext(connection) as ctx:
        found = set(Offering.objects.search(q).values_list("name", flat=True))
    assert full_text <= found
    assert "to_tsvector" not in ctx.captured_queries[0]["sql"].split(" WHERE ")[1]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="full text is PostgreSQL's")
def test_several_words_still_match_by_full_text_in_any_order():
    for number, (name, symbol) in enumerate(NAMES):
        OfferingFactory(name=name, symbol=symbol, slug=f"o-{number}")
    # "tools zephyr" is neither in the name nor similar enough to a stretch of it (pg_trgm's
    # word similarity 0.54, under 0.6): only the full-text match finds it.
    found = set(Offering.objects.search("tools zephyr").values_list("name", flat=True))
    assert found == {"Zephyr Mining And Quantum Tools"}
