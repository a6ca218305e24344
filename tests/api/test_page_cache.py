"""api.page_cache: a list page is served again while its page query's rows are unchanged, and
never once anything it shows has changed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from prometheus_client import REGISTRY

from api import page_cache
from api.page_cache import PAGES, STATEMENTS, Statements, page_key
from diligence.rescoring import assessments_refresh
from offerings.models import ContractRisk, Offering, TeamMember
from records.models import FilingCheck, ListImport, PublicRecord, RecordMatch, SanctionedAddress
from tests.factories import full_offering

pytestmark = pytest.mark.django_db
LIST = "/api/v1/offerings/"
PARAMS = {"ordering": "name", "page_size": 3}


def outcome_count(outcome: str) -> float:
    return REGISTRY.get_sample_value("offerwatch_api_page_cache_total", {"outcome": outcome}) or 0


def built_afresh(client, params: dict) -> dict:
    """The page as a process that has cached nothing builds it."""
    cache.clear()
    STATEMENTS.clear()
    PAGES.clear()
    return client.get(LIST, params).json()


@pytest.fixture
def offerings():
    made = [
        full_offering(
            name=f"Page {number}",
            slug=f"page-{number}",
            kind="ico",
            contract_address=f"0x{number + 1:040x}",
            regulatory_filing=f"Form D 0001800001-24-{number:06d}",
            start_date=dt.date(2026, 1, 10 + number),
            end_date=dt.date(2026, 12, 10 + number),
        )
        for number in range(4)
    ]
    assessments_refresh()
    return made


def test_a_page_whose_rows_are_unchanged_is_served_from_the_cache_in_one_query(
    read_client, offerings, django_assert_num_queries
):
    first = read_client.get(LIST, PARAMS)
    hits = outcome_count("hit")
    # The page's rows (its statement kept by this process, and the key with its owner's
    # permissions: accounts.auth_cache): nothing is built.
    with django_assert_num_queries(1) as captured:
        again = read_client.get(LIST, PARAMS)
    assert again.status_code == 200
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"
    assert outcome_count("hit") == hits + 1
    # The rows read are the page's own: its filters, order and limit.
    page_sql = captured.captured_queries[0]["sql"]
    assert "offerings_offering" in page_sql and "LIMIT 4" in page_sql


def test_a_page_served_again_comes_from_the_process_memory_first(
    read_client, offerings, django_assert_num_queries
):
    first = read_client.get(LIST, PARAMS)
    # Another process (nothing in its memory) takes the page from the shared cache, and keeps it.
    PAGES.clear()
    with django_assert_num_queries(1):
        assert read_client.get(LIST, PARAMS).content == first.content
    assert len(PAGES) == 1
    cache.clear()  # the shared cache lost it (evicted, restarted): this process still has it
    hits = outcome_count("hit")
    # The key and the owner's permissions (the generation they were kept under went with the
    # shared cache: accounts.auth_cache) and the rows.
    with django_assert_num_queries(3):
        assert read_client.get(LIST, PARAMS).content == first.content
    assert outcome_count("hit") == hits + 1


def test_a_page_is_never_served_once_anything_it_shows_has_changed(read_client, offerings):
    """After each change, the page the API answers (from the cache or not) is the page built
    afresh, and it shows the change."""
    target = offerings[0]
    shown = read_client.get(LIST, PARAMS).json()
    assert [o["slug"] for o in shown["results"]] == ["page-0", "page-1", "page-2"]

    def changed(change, what) -> dict:
        nonlocal shown
        change()
        served = read_client.get(LIST, PARAMS).json()
        assert served != shown, f"{what}: the page did not change"
        assert served == built_afresh(read_client, PARAMS), f"{what}: a stale page was served"
        read_client.get(LIST, PARAMS)  # cached again under the new rows
        shown = served
        return served["results"][0]

    now = timezone.now()
    record = changed(
        lambda: Offering.objects.filter(pk=target.pk).update(website="https://moved.example"),
        "a column of the offering",
    )
    assert record["website"] == "https://moved.example"

    record = changed(
        lambda: TeamMember.objects.create(offering=target, name="Newcomer", position=9),
        "a part of the offering",
    )
    assert "Newcomer" in [member["name"] for member in record["team"]]

    def rescored() -> None:
        Offering.objects.filter(pk=target.pk).update(whitepaper_url="")
        assessments_refresh()

    record = changed(rescored, "its current assessment")
    assert record["score"] is not None

    def matched() -> None:
        public = PublicRecord.objects.create(
            authority="SEC",
            kind=PublicRecord.Kind.ACTION,
            date=dt.date(2026, 1, 5),
            title="SEC v. Page 0 Ltd",
            url="https://www.sec.example/litigation/page-0",
            source=ListImport.Source.SEC_LITIGATION,
            fetched_at=now,
        )
        RecordMatch.objects.create(
            record=public,
            offering=target,
            method=RecordMatch.Method.NAME,
            score="0.90",
            evidence="names Page 0",
            state=RecordMatch.State.CONFIRMED,
            decided_at=now,
        )

    record = changed(matched, "a confirmed record match")
    assert record["public_records"]["regulator_actions"][0]["title"] == "SEC v. Page 0 Ltd"

    record = changed(
        lambda: FilingCheck.objects.create(
            offering=target,
            claim=target.regulatory_filing,
            accession="0001800001-24-000000",
            found=False,
            evidence="not on EDGAR",
            checked_at=now,
        ),
        "a filing check",
    )
    assert record["public_records"]["filing_check"]["found"] is False

    owner = f"0x{0xAB:040x}"
    record = changed(
        lambda: ContractRisk.objects.create(
            offering=target,
            chain_id=1,
            address=target.contract_address,
            facts={"owner": {"value": owner, "source": "goplus"}},
            first_checked_at=now,
            checked_at=now,
            next_check_at=now,
        ),
        "a contract check",
    )
    assert record["public_records"]["sanctioned_addresses"] == []

    def listed() -> None:
        imported = ListImport.objects.create(
            source=ListImport.Source.OFAC_SDN, origin="sdn.xml", sha256="0" * 64, entries=1,
            imported_at=now,
        )  # fmt: skip
        SanctionedAddress.objects.create(
            address=owner,
            currency="ETH",
            entry_uid="60001",
            entry_name="Entity 60001",
            programs="CYBER2",
            imported=imported,
        )

    record = changed(listed, "a sanctioned address (the contract's owner)")
    assert [hit["role"] for hit in record["public_records"]["sanctioned_addresses"]] == [
        "contract owner"
    ]

    changed(lambda: Offering.objects.filter(pk=target.pk).update(deleted_at=now), "a soft delete")
    assert [o["slug"] for o in shown["results"]] == ["page-1", "page-2", "page-3"]


def test_the_day_is_part_of_the_key_as_a_sale_s_status_follows_it(read_client, offerings):
    today = timezone.localdate()
    Offering.objects.filter(pk=offerings[0].pk).update(
        start_date=today + dt.timedelta(days=1), end_date=today + dt.timedelta(days=20)
    )
    before = read_client.get(LIST, PARAMS).json()["results"][0]
    assert before["status"] == "upcoming"
    later = timezone.now() + dt.timedelta(days=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(timezone, "now", lambda: later)
        during = read_client.get(LIST, PARAMS).json()["results"][0]
    assert during["status"] == "active"


def test_the_links_follow_the_request_host_and_the_order_of_its_parameters(read_client, offerings):
    plain = read_client.get(LIST, PARAMS).json()
    with override_settings(ALLOWED_HOSTS=["testserver", "api.example"]):
        other = read_client.get(LIST, PARAMS, HTTP_HOST="api.example", secure=True).json()
    assert plain["results"][0]["url"] == "http://testserver/api/v1/offerings/page-0/"
    assert other["results"][0]["url"] == "https://api.example/api/v1/offerings/page-0/"
    reordered = read_client.get(f"{LIST}?page_size=3&ordering=name").json()
    assert reordered["next"].startswith("http://testserver/api/v1/offerings/?page_size=3&")
    assert plain["next"].startswith("http://testserver/api/v1/offerings/?ordering=name&")


def test_a_bad_request_is_refused_each_time_and_keeps_no_statement(read_client, offerings):
    for _ in range(2):
        response = read_client.get(LIST, {"ordering": "colour"})
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "ordering"
    assert len(STATEMENTS) == 0


def test_a_venue_filter_is_validated_on_every_request(read_client, offerings):
    """Its validation reads the venues, so its statement is not kept: a venue gone since is a
    400 naming it, not an empty page."""
    from offerings.models import Venue

    venue = Venue.objects.create(name="Gone", slug="gone")
    assert read_client.get(LIST, {"venue": "gone"}).status_code == 200
    venue.delete()
    response = read_client.get(LIST, {"venue": "gone"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "venue"


def test_a_changed_setting_drops_the_statements(read_client, offerings):
    read_client.get(LIST, {"ordering": "name"})
    assert len(STATEMENTS) == 1
    with override_settings(API_PAGE_SIZE=2):
        response = read_client.get(LIST, {"ordering": "name"})
    assert len(response.json()["results"]) == 2


def test_statements_drop_the_least_recently_used():
    statements = Statements(2)
    statements.put(("a",), ("select 1", ()))
    statements.put(("b",), ("select 2", ()))
    assert statements.get(("a",)) == ("select 1", ())  # now the most recent
    statements.put(("c",), ("select 3", ()))
    assert statements.get(("b",)) is None
    assert statements.get(("a",)) and statements.get(("c",))


def test_a_row_without_one_exact_spelling_is_not_cached():
    request_key = ("/api/v1/offerings/", "http://testserver/", "2026-12-05")
    assert page_key(request_key, [(1, memoryview(b"x"))]) is None
    # A decimal keeps its spelling: 1.50 and 1.5 are two pages.
    assert page_key(request_key, [(Decimal("1.50"),)]) != page_key(request_key, [(Decimal("1.5"),)])
    assert page_key(request_key, [(1, "a")]) == page_key(request_key, [(1, "a")])
    assert page_key(request_key, [(1, "a")]) != page_key(request_key, [(2, "a")])
    assert page_key(request_key, [(1, "a")]).startswith(f"ow:apipage:{page_cache.code_stamp()}:")


def test_a_page_with_unspellable_rows_is_built_every_time(read_client, offerings, monkeypatch):
    monkeypatch.setattr(page_cache, "page_key", lambda request_key, rows: None)
    before = outcome_count("uncacheable")
    first = read_client.get(LIST, PARAMS)
    second = read_client.get(LIST, PARAMS)
    assert first.content == second.content
    assert outcome_count("uncacheable") == before + 2
