"""ops.prepared: a queryset built and compiled once, run again with other values, gives what
Django's own compilation gives, on this thread's connection, and refuses what it cannot vary."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, models
from django.test.utils import CaptureQueriesContext

from diligence.selectors import offerings_with_assessment
from offerings.models import Offering
from ops.prepared import PreparedQuery
from tests.factories import OfferingFactory, TeamMemberFactory

pytestmark = pytest.mark.django_db


class Counting:
    """A build function that counts how often it is called."""

    def __init__(self, build):
        self.build, self.calls = build, 0

    def __call__(self, **values):
        self.calls += 1
        return self.build(**values)


@pytest.fixture
def unverified(settings):
    # The verification builds the queryset on every run: off, so builds can be counted.
    settings.PREPARED_QUERIES_VERIFY = False


def _detail(slug):
    return (
        offerings_with_assessment(Offering.objects.filter(slug=slug))
        .select_related("venue")
        .only("slug", "name", "venue__name", "hard_cap")
        .prefetch_related("team")
        .order_by()
    )


def test_rows_are_those_of_the_queryset_for_each_value(django_assert_num_queries):
    first = OfferingFactory(slug="alpha", name="Alpha", hard_cap="1500000.50")
    second = OfferingFactory(slug="beta", name="Beta", venue=None)
    TeamMemberFactory(offering=first, name="Ada")
    prepared = PreparedQuery(_detail, slug=str)
    for offering in (first, second, first):
        with django_assert_num_queries(2):  # the row, then the prefetch
            (got,) = prepared.fetch(slug=offering.slug)
        (expected,) = list(_detail(offering.slug))
        assert got.pk == expected.pk == offering.pk
        assert (got.slug, got.name, got.hard_cap) == (
            expected.slug,
            expected.name,
            expected.hard_cap,
        )
        assert got.get_deferred_fields() == expected.get_deferred_fields()
        assert got.score == expected.score and got.assessed_at == expected.assessed_at
        assert (got.venue and got.venue.name) == (expected.venue and expected.venue.name)
        assert [m.name for m in got.team.all()] == [m.name for m in expected.team.all()]
    assert prepared.fetch(slug="nobody") == []


def test_values_lists_and_no_parameters():
    OfferingFactory(slug="alpha", symbol="ALP")
    OfferingFactory(slug="beta", symbol="BET")
    symbols = PreparedQuery(lambda: Offering.objects.order_by("slug").values_list("symbol"))
    assert symbols.fetch() == [("ALP",), ("BET",)]
    by_pk = PreparedQuery(
        lambda pk: Offering.objects.filter(pk=pk).values_list("slug", flat=True), pk=int
    )
    beta = Offering.objects.get(slug="beta")
    assert by_pk.fetch(pk=beta.pk) == ["beta"]


def test_built_and_compiled_once(unverified):
    OfferingFactory(slug="alpha")
    build = Counting(lambda slug: Offering.objects.filter(slug=slug))
    prepared = PreparedQuery(build, slug=str)
    assert [o.slug for o in prepared.fetch(slug="alpha")] == ["alpha"]
    assert prepared.fetch(slug="beta") == []
    assert [o.slug for o in prepared.fetch(slug="alpha")] == ["alpha"]
    assert build.calls == 1


def test_a_setting_changed_compiles_again(unverified, settings):
    build = Counting(lambda slug: Offering.objects.filter(slug=slug))
    prepared = PreparedQuery(build, slug=str)
    prepared.fetch(slug="a")
    settings.OFFERWATCH_PUBLIC_BROWSING = True
    prepared.fetch(slug="a")
    assert build.calls == 2


def test_a_value_of_another_type_takes_djangos_own_path(unverified):
    offering = OfferingFactory(slug="alpha")
    build = Counting(lambda pk: Offering.objects.filter(pk=pk))
    prepared = PreparedQuery(build, pk=int)
    assert [o.slug for o in prepared.fetch(pk=str(offering.pk))] == ["alpha"]  # cast by Django
    assert build.calls == 1  # built with the value itself, nothing prepared
    assert [o.slug for o in prepared.fetch(pk=offering.pk)] == ["alpha"]
    assert build.calls == 2
    # An id no column can hold: Django answers none without asking the database.
    assert prepared.fetch(pk=2**70) == []
    assert build.calls == 3


@pytest.mark.parametrize(
    "build",
    [
        lambda slug: Offering.objects.all(),  # the parameter is not used
        lambda slug: Offering.objects.filter(slug__icontains=slug),  # it becomes %slug%
        lambda slug: Offering.objects.extra(where=[f"slug = '{slug}'"]),  # inlined
    ],
    ids=["unused", "transformed", "inlined"],
)
def test_a_parameter_that_is_not_a_parameter_of_the_statement_is_refused(build):
    with pytest.raises(ImproperlyConfigured, match="'slug'"):
        PreparedQuery(build, slug=str).fetch(slug="alpha")


def test_a_parameter_type_other_than_str_or_int_is_refused():
    with pytest.raises(ImproperlyConfigured, match="str or int"):
        PreparedQuery(lambda day: Offering.objects.filter(start_date=day), day=object).fetch(
            day=object()
        )


def test_verification_catches_sql_that_depends_on_more_than_the_parameters():
    limit = {"size": 1}
    prepared = PreparedQuery(
        lambda slug: Offering.objects.filter(slug=slug)[: limit["size"]], slug=str
    )
    prepared.fetch(slug="a")
    limit["size"] = 5
    with pytest.raises(AssertionError, match="another statement than the prepared one"):
        prepared.fetch(slug="a")


def test_fetch_names_its_parameters():
    prepared = PreparedQuery(lambda slug: Offering.objects.filter(slug=slug), slug=str)
    with pytest.raises(TypeError, match="slug"):
        prepared.fetch(name="a")


def test_runs_on_the_connection_of_the_calling_thread(unverified):
    """Compiled on another thread, run on this one: the query goes through this thread's
    connection (which alone sees this test's uncommitted row)."""
    offering = OfferingFactory(slug="alpha")
    prepared = PreparedQuery(lambda pk: Offering.objects.filter(pk=pk), pk=int)

    def compile_elsewhere():
        try:
            prepared._compiled_statement()
        finally:
            connections.close_all()

    thread = threading.Thread(target=compile_elsewhere)
    thread.start()
    thread.join()
    with CaptureQueriesContext(connection) as captured:
        assert [o.pk for o in prepared.fetch(pk=offering.pk)] == [offering.pk]
    assert len(captured.captured_queries) == 1


def test_annotations_and_expressions_survive():
    OfferingFactory(slug="alpha", name="Alpha")
    prepared = PreparedQuery(
        lambda slug: Offering.objects.filter(slug=slug).annotate(
            shout=models.functions.Upper("name")
        ),
        slug=str,
    )
    (got,) = prepared.fetch(slug="alpha")
    assert got.shout == "ALPHA"
