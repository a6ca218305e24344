"""The API's read-only `public_records` of one offering: confirmed links only, the EDGAR check
and sanctioned addresses, each with its source and date; imports ignore it."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from offerings.interchange import READ_ONLY_FIELDS
from records.matching import record_match_confirm
from records.models import FilingCheck, RecordMatch
from tests.factories import OfferingFactory
from tests.records.conftest import fixture

pytestmark = pytest.mark.django_db
LIST = "/api/v1/offerings/"


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
