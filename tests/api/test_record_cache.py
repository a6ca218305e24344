"""The API list serves offering records from the cache by revision (api.record_cache), and no
change, however it is written, is ever hidden behind a cached record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from api import record_cache
from diligence.models import Assessment
from diligence.rescoring import assessments_refresh
from offerings.models import MarketSummary, Offering, TeamMember, Venue
from tests.factories import OfferingFactory, TeamMemberFactory, VenueFactory, full_offering
from tests.offerings.market.factories import MarketSummaryFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/offerings/"


@pytest.fixture
def read_client(api_key, api_client):
    return api_client(api_key())


def listed(client, **query) -> dict[str, dict]:
    response = client.get(LIST, {"ordering": "name", **query})
    assert response.status_code == 200, response.content
    return {record["slug"]: record for record in response.json()["results"]}


def test_cached_records_are_the_records_built_afresh(read_client):
    for number in range(4):
        full_offering(name=f"Rich {number}", slug=f"rich-{number}")
    OfferingFactory(slug="bare")
    assessments_refresh()
    cache.clear()
    built = read_client.get(LIST).json()
    with mock.patch.object(record_cache, "_built", side_effect=AssertionError("not cached")):
        served = read_client.get(LIST).json()
    assert served == built
    assert len(served["results"]) == 5


def test_a_part_written_behind_the_orm_shows_at_once(read_client):
    offering = full_offering(slug="watched")
    before = listed(read_client)["watched"]["team"]
    TeamMember.objects.bulk_create([TeamMember(offering=offering, name="Zed Newcomer")])
    after = listed(read_client)["watched"]["team"]
    assert len(after) == len(before) + 1
    assert "Zed Newcomer" in [m["name"] for m in after]
    TeamMember.objects.filter(offering=offering).delete()
    assert listed(read_client)["watched"]["team"] is None


def test_raw_sql_and_queryset_updates_show_at_once(read_client):
    offering = OfferingFactory(slug="raw", hard_cap=Decimal("1000000"))
    MarketSummaryFactory(offering=offering, price_usd=Decimal("2"))
    assert listed(read_client)["raw"]["hard_cap"] == "1000000"
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Offering._meta.db_table} SET hard_cap = 5 WHERE id = %s", [offering.pk]
        )
    MarketSummary.objects.filter(offering=offering).update(price_usd=Decimal("0.5"))
    record = listed(read_client)["raw"]
    assert record["hard_cap"] == "5"
    assert record["market"]["price_usd"] == "0.5"


def test_a_venue_renamed_shows_at_once(read_client):
    venue = VenueFactory(name="Old Name")
    OfferingFactory(slug="hosted", kind="ieo", venue=venue)
    assert listed(read_client)["hosted"]["venue"] == "Old Name"
    Venue.objects.filter(pk=venue.pk).update(name="New Name")
    assert listed(read_client)["hosted"]["venue"] == "New Name"


def test_a_rescore_shows_at_once_though_the_revision_stays(read_client):
    offering = full_offering(slug="scored")
    assessments_refresh()
    first = listed(read_client)["scored"]
    revision = Offering.objects.values_list("revision", flat=True).get(pk=offering.pk)
    Assessment.objects.filter(offering=offering, is_current=True).update(
        score=Decimal("12.5"), grade="E"
    )
    second = listed(read_client)["scored"]
    assert Offering.objects.values_list("revision", flat=True).get(pk=offering.pk) == revision
    assert (second["score"], second["grade"]) == ("12.5", "E")
    assert first["score"] != second["score"]
    assert list(second) == list(first)  # the same keys in the same order


def test_the_status_follows_the_date_not_the_cache(read_client):
    today = timezone.localdate()
    OfferingFactory(
        slug="soon", start_date=today + dt.timedelta(days=1), end_date=today + dt.timedelta(days=9)
    )
    assert listed(read_client)["soon"]["status"] == "upcoming"
    later = timezone.now() + dt.timedelta(days=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert listed(read_client)["soon"]["status"] == "active"


def test_the_key_names_the_code_the_revision_and_the_creation_time():
    one = OfferingFactory()
    key = record_cache.cache_key(one)
    assert record_cache.CODE_STAMP in key
    same_id_later = Offering(pk=one.pk, created_at=one.created_at + dt.timedelta(seconds=1))
    same_id_later.revision = one.revision
    assert record_cache.cache_key(same_id_later) != key
    one.revision += 1
    assert record_cache.cache_key(one) != key


def test_a_deleted_part_of_a_cached_record_and_a_new_part_elsewhere(read_client):
    kept, changed = OfferingFactory(slug="kept"), OfferingFactory(slug="changed")
    TeamMemberFactory(offering=kept, name="Stays")
    listed(read_client)
    TeamMemberFactory(offering=changed, name="Arrives")
    with mock.patch.object(record_cache, "_built", wraps=record_cache._built) as built:
        records = listed(read_client)
    assert built.call_args.args[0] == [changed.pk]  # only the changed one is built again
    assert [m["name"] for m in records["changed"]["team"]] == ["Arrives"]
    assert [m["name"] for m in records["kept"]["team"]] == ["Stays"]


def test_the_detail_is_the_cached_record_with_its_live_parts(
    read_client, django_assert_num_queries
):
    from tests.offerings.market.factories import ListingFactory

    offering = full_offering(slug="detailed", token_price_usd="0.1")
    MarketSummaryFactory(offering=offering, price_usd=Decimal("0.2"))
    ListingFactory(offering=offering, pair="D/USDT")
    assessments_refresh()
    url = f"{LIST}detailed/"
    cold = read_client.get(url).json()
    # the offering (assessment, market summary, contract and filing checks joined, the public
    # records' confirmed matches aggregated), its rounds and unlock events for the returns; the
    # record from the cache, the key and its owner's permissions kept (accounts.auth_cache)
    with django_assert_num_queries(3):
        warm = read_client.get(url).json()
    assert warm == cold
    assert warm["listings"][0]["pair"] == "D/USDT" and warm["score"] is not None
    assert [k for k in warm if k not in ("vesting_returns", "public_records")] == [
        k for k in listed(read_client)["detailed"] if k != "public_records"
    ]


def test_an_offering_deleted_while_its_page_is_read_is_left_out_not_an_error(read_client):
    OfferingFactory(slug="kept")
    gone = OfferingFactory(slug="gone")
    real_built = record_cache._built

    def built_after_a_delete(ids):
        Offering.all_objects.filter(pk=gone.pk).delete()  # between the page and the records
        return real_built(ids)

    with mock.patch.object(record_cache, "_built", side_effect=built_after_a_delete):
        response = read_client.get(LIST)
    assert response.status_code == 200
    assert [r["slug"] for r in response.json()["results"]] == ["kept"]
    cache.clear()
    with mock.patch.object(record_cache, "_built", side_effect=lambda ids: {}):
        assert read_client.get(f"{LIST}kept/").status_code == 404
