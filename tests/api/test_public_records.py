"""The API's read-only `public_records` of one offering: confirmed links only, the EDGAR check
and sanctioned addresses, each with its source and date; imports ignore it."""

from __future__ import annotations

import csv
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from diligence.selectors import assessed_export
from offerings.interchange import READ_ONLY_FIELDS
from offerings.models import ContractRisk, Offering
from records.matching import record_match_confirm
from records.models import FilingCheck, ListImport, PublicRecord, RecordMatch, SanctionedAddress
from records.representation import public_records_for
from tests.factories import OfferingFactory
from tests.records.conftest import fixture

pytestmark = pytest.mark.django_db
LIST = "/api/v1/offerings/"
# The page (its records cached by the call before, the key and its owner's permissions kept,
# see api.record_cache and accounts.auth_cache; the public records' filing checks joined and
# their confirmed matches and sanctioned addresses aggregated in it).
LIST_QUERIES = 1
# The offerings, their ten PREFETCH relations, then the confirmed matches and the sanctioned
# addresses of the chunk (the filing checks are joined to the offerings' query).
EXPORT_QUERIES = 13


def test_public_records_in_the_detail_representation(read_client, analyst):
    offering = OfferingFactory(
        slug="nova",
        name="Nova Chain",
        legal_entity="",
        website="https://novachain.io",
        kind="sto",
        regulatory_filing="Form D 0001800001-24-000999",
        contract_address="0x8589427373D6D84E98730D7795D8f6f8731FDA16",
    )
    other = OfferingFactory(slug="other", name="Orbit Prime Trading Ltd", legal_entity="")
    call_command(
        "import_regulator_list",
        "--format",
        "cftc-red",
        str(fixture("cftc_red.html")),
        stdout=StringIO(),
    )
    from records.feeds import public_records_import
    from records.sec_feed import litigation_entries

    content = fixture("litreleases.xml").read_bytes()
    public_records_import(
        entries=litigation_entries(content), source="sec_litigation", origin="f", content=content
    )
    record_match_confirm(match=RecordMatch.objects.get(offering=offering), user=analyst)
    call_command("import_ofac_addresses", str(fixture("sdn.xml")), stdout=StringIO())
    FilingCheck.objects.create(
        offering=offering,
        claim=offering.regulatory_filing,
        accession="0001800001-24-000999",
        found=False,
        evidence="not on EDGAR",
        checked_at=timezone.now(),
    )

    records = read_client.get(f"{LIST}nova/").json()["public_records"]

    [action] = records["regulator_actions"]
    assert action["authority"] == "SEC" and action["source"] == "sec_litigation"
    assert action["url"].endswith("lr-26001") and action["confirmed_at"]
    assert records["filing_check"]["found"] is False
    assert records["filing_check"]["evidence"] == "not on EDGAR"
    [hit] = records["sanctioned_addresses"]
    assert (hit["role"], hit["entry_uid"]) == ("contract", "40001")
    # A proposal nobody decided is not shown.
    assert RecordMatch.objects.get(offering=other).state == "proposed"
    assert read_client.get(f"{LIST}other/").json()["public_records"] == {
        "regulator_actions": [],
        "filing_check": None,
        "sanctioned_addresses": [],
    }
    assert "public_records" in READ_ONLY_FIELDS


def _with_records(number: int, *, state: str = RecordMatch.State.CONFIRMED) -> Offering:
    """An offering with a regulator's record matched to it (in `state`), a checked filing claim
    and a contract address on the sanctions list."""
    now = timezone.now()
    address = f"0x{number:040x}"
    accession = f"0001800001-24-{number:06d}"
    offering = OfferingFactory(
        slug=f"rec-{number}",
        name=f"Rec {number}",
        contract_address=address,
        regulatory_filing=f"Form D {accession}",
    )
    record = PublicRecord.objects.create(
        authority="SEC",
        kind=PublicRecord.Kind.ACTION,
        date=dt.date(2026, 1, number),
        title=f"SEC v. Rec {number} Ltd",
        url=f"https://www.sec.example/litigation/lr-{number}",
        source=ListImport.Source.SEC_LITIGATION,
        fetched_at=now,
    )
    RecordMatch.objects.create(
        record=record,
        offering=offering,
        method=RecordMatch.Method.NAME,
        score="0.90",
        evidence=f"names Rec {number}",
        state=state,
        decided_at=now if state == RecordMatch.State.CONFIRMED else None,
    )
    FilingCheck.objects.create(
        offering=offering,
        claim=offering.regulatory_filing,
        accession=accession,
        found=False,
        evidence="not on EDGAR",
        checked_at=now,
    )
    imported = ListImport.objects.create(
        source=ListImport.Source.OFAC_SDN, origin="sdn.xml", sha256="0" * 64, entries=1,
        imported_at=now,
    )  # fmt: skip
    SanctionedAddress.objects.create(
        address=address,
        currency="ETH",
        entry_uid=f"4000{number}",
        entry_name=f"Entity {number}",
        programs="CYBER2",
        imported=imported,
    )
    return offering


def test_confirmed_records_are_in_the_list_and_every_export_and_proposals_are_not(
    read_client, client, analyst
):
    _with_records(1)
    _with_records(2, state=RecordMatch.State.PROPOSED)

    listed = {r["slug"]: r["public_records"] for r in read_client.get(LIST).json()["results"]}

    [action] = listed["rec-1"]["regulator_actions"]
    assert (action["title"], action["matched_on"]) == ("SEC v. Rec 1 Ltd", "names Rec 1")
    assert action["confirmed_at"] and action["source"] == "sec_litigation"
    assert listed["rec-1"]["filing_check"]["evidence"] == "not on EDGAR"
    assert [hit["entry_uid"] for hit in listed["rec-1"]["sanctioned_addresses"]] == ["40001"]
    # A proposal nobody decided is not public; the checked facts of that offering still are.
    assert listed["rec-2"]["regulator_actions"] == []
    assert listed["rec-2"]["sanctioned_addresses"][0]["role"] == "contract"
    # One builder: the list says what the one-offering GET says.
    assert listed["rec-1"] == read_client.get(f"{LIST}rec-1/").json()["public_records"]

    out = StringIO()
    call_command("export_offerings", stdout=out, stderr=StringIO())
    exported = {
        r["slug"]: r["public_records"] for r in map(json.loads, out.getvalue().splitlines())
    }
    assert exported == listed

    client.force_login(analyst)
    response = client.get(reverse("offerings:export"))
    rows = csv.DictReader(StringIO(b"".join(response.streaming_content).decode()))
    assert {row["slug"]: json.loads(row["public_records"]) for row in rows} == listed


@pytest.mark.parametrize("number", [1, 3])
def test_public_records_cost_the_same_queries_for_one_offering_or_three(
    number, read_client, django_assert_num_queries
):
    for n in range(1, number + 1):
        _with_records(n)
    read_client.get(LIST)  # records the key's use, which is written at most once a minute

    with django_assert_num_queries(LIST_QUERIES):
        results = read_client.get(LIST).json()["results"]
    with CaptureQueriesContext(connection) as queries:
        exported = list(assessed_export())

    assert len(queries) == EXPORT_QUERIES
    assert len(results) == len(exported) == number
    for record in [*results, *exported]:
        public = record["public_records"]
        assert public["regulator_actions"] and public["filing_check"]
        assert public["sanctioned_addresses"]


def test_a_filing_check_of_an_earlier_claim_is_not_shown_joined_or_not():
    offering = _with_records(1)
    Offering.objects.filter(pk=offering.pk).update(regulatory_filing="Form D 0009999999-24-000001")
    loaded = Offering.objects.get(pk=offering.pk)
    joined = Offering.objects.select_related("filing_check__filing").get(pk=offering.pk)
    assert public_records_for([loaded])[offering.pk]["filing_check"] is None
    assert public_records_for([joined]) == public_records_for([loaded])
    assert public_records_for([]) == {}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_with_public_records_re_imports_unchanged(fmt, tmp_path):
    _with_records(1)
    _with_records(2, state=RecordMatch.State.PROPOSED)
    first = tmp_path / f"first.{fmt}"
    call_command("export_offerings", "--format", fmt, "--output", str(first), stderr=StringIO())
    out = StringIO()
    call_command("import_offerings", str(first), "--format", fmt, "--no-progress", stdout=out)
    second = tmp_path / f"second.{fmt}"
    call_command("export_offerings", "--format", fmt, "--output", str(second), stderr=StringIO())

    assert "0 created, 0 updated, 2 unchanged" in out.getvalue()
    assert b"SEC v. Rec 1 Ltd" in first.read_bytes()
    assert second.read_bytes() == first.read_bytes()


def test_the_list_reads_several_confirmed_matches_in_their_order_as_the_export_does(read_client):
    """The list and detail aggregate the confirmed matches in their page query (as JSON); the
    exports read them with the ORM: the same actions, values and order."""
    offering = _with_records(1)
    for number, (score, state) in enumerate(
        [("0.50", "confirmed"), ("0.95", "confirmed"), ("0.99", "rejected")], start=2
    ):
        record = PublicRecord.objects.create(
            authority="CFTC",
            kind=PublicRecord.Kind.ACTION,
            date=None if number == 2 else dt.date(2025, 12, number),
            title=f"CFTC action {number}",
            url=f"https://www.cftc.example/{number}",
            source=ListImport.Source.SEC_LITIGATION,
            fetched_at=timezone.now() - dt.timedelta(microseconds=number * 10),
        )
        RecordMatch.objects.create(
            record=record,
            offering=offering,
            method=RecordMatch.Method.NAME,
            score=score,
            evidence=f"names action {number}",
            state=state,
            decided_at=timezone.now() if state == "confirmed" else None,
        )

    [listed] = read_client.get(LIST).json()["results"]
    detail = read_client.get(f"{LIST}rec-1/").json()
    [exported] = list(assessed_export())

    titles = [action["title"] for action in listed["public_records"]["regulator_actions"]]
    assert titles == ["CFTC action 3", "SEC v. Rec 1 Ltd", "CFTC action 2"]  # by score
    assert listed["public_records"] == detail["public_records"] == exported["public_records"]


def test_the_list_finds_the_sanctioned_owner_and_creator_and_any_case_as_the_export_does(
    read_client,
):
    """The list and detail look the sanctioned addresses up in their page query; the exports
    with the ORM: the same entries with the same roles, whatever the case and blanks of the
    address (EVM addresses compare case-insensitively), and none for a mere prefix."""
    offering = _with_records(1)  # its contract address is listed
    owner, creator, near = (f"0x{n:040x}" for n in (0xA1, 0xB2, 0xC3))
    Offering.objects.filter(pk=offering.pk).update(
        contract_address=f"  {offering.contract_address.upper().replace('0X', '0x')}\t"
    )
    ContractRisk.objects.create(
        offering=offering,
        chain_id=1,
        address=offering.contract_address,
        facts={
            "owner": {"value": owner.upper().replace("0X", "0x"), "source": "goplus"},
            "creator": {"value": creator, "source": "etherscan"},
        },
        first_checked_at=timezone.now(),
        checked_at=timezone.now(),
        next_check_at=timezone.now(),
    )
    imported = ListImport.objects.first()
    for address, uid in ((owner, "50001"), (creator, "50002"), (near + "00", "50003")):
        SanctionedAddress.objects.create(
            address=address,
            currency="ETH",
            entry_uid=uid,
            entry_name=f"Entity {uid}",
            programs="CYBER2",
            imported=imported,
        )
    quiet = OfferingFactory(slug="quiet", contract_address=near)  # a prefix of a listed one

    listed = {r["slug"]: r for r in read_client.get(LIST).json()["results"]}
    detail = read_client.get(f"{LIST}rec-1/").json()
    exported = {r["slug"]: r for r in assessed_export()}

    hits = listed["rec-1"]["public_records"]["sanctioned_addresses"]
    assert [(hit["entry_uid"], hit["role"]) for hit in hits] == [
        ("40001", "contract"),
        ("50001", "contract owner"),
        ("50002", "contract creator"),
    ]
    assert listed[quiet.slug]["public_records"]["sanctioned_addresses"] == []
    assert listed["rec-1"]["public_records"] == detail["public_records"]
    assert {slug: r["public_records"] for slug, r in listed.items()} == {
        slug: r["public_records"] for slug, r in exported.items()
    }
