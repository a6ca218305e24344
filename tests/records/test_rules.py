"""The public-record rules: legal.regulator_action on confirmed links only, legal.sanctioned_
address from the OFAC list, and legal.security_unregistered deciding from what EDGAR holds;
first on built facts, then end to end through facts_for()."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from diligence.facts import facts_for
from diligence.record_facts import FilingFacts, RecordFacts, RegulatorAction, SanctionHit
from offerings.models import ContractRisk, Offering
from records.matching import record_match_confirm, record_match_reject
from records.models import FilingCheck, ListImport, RecordMatch, SanctionedAddress
from tests.diligence.factories import check, make_facts
from tests.factories import OfferingFactory
from tests.records.conftest import fixture

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
LISTS = ("SEC litigation releases (RSS), 2026-12-01",)
ACTION = RegulatorAction(
    "SEC",
    "action",
    dt.date(2024, 12, 3),
    "SEC v. Nova Chain Labs, Inc.",
    "https://www.sec.gov/litigation/litreleases/lr-26001",
    "SEC litigation releases (RSS)",
    NOW,
    "web domain novachain.io appears in SEC 2024-12-03 record 1",
    NOW,
)
SANCTIONS = "OFAC SDN list, imported 2026-12-01"
DARKMIX = "0x8589427373d6d84e98730d7795d8f6f8731fda16"


@pytest.mark.parametrize(
    ("records", "outcome", "evidence"),
    [
        (None, "unknown", "no regulator's list imported yet"),
        (RecordFacts(), "unknown", "no regulator's list imported yet"),
        (
            RecordFacts(regulator_lists=LISTS),
            "pass",
            f"no action or warning linked (lists: {LISTS[0]})",
        ),
        (
            RecordFacts(regulator_lists=LISTS, pending=2),
            "unknown",
            "2 proposed matches to regulators' records await an analyst's decision",
        ),
        (
            RecordFacts(regulator_lists=LISTS, actions=(ACTION,), pending=1),
            "flag",
            "SEC action 2024-12-03: SEC v. Nova Chain Labs, Inc. "
            "<https://www.sec.gov/litigation/litreleases/lr-26001> (SEC litigation releases "
            "(RSS), fetched 2026-12-01; matched on web domain novachain.io appears in SEC "
            "2024-12-03 record 1)",
        ),
    ],
)
def test_regulator_action(records, outcome, evidence):
    assert check("legal.regulator_action", make_facts(records=records)) == (outcome, evidence)


HIT = SanctionHit(DARKMIX, "contract owner", "ETH", "40001", "DARKMIX SERVICES", "CYBER2", NOW)


@pytest.mark.parametrize(
    ("records", "outcome", "evidence"),
    [
        (None, "unknown", "no sanctions list imported yet"),
        (RecordFacts(addresses=("contract 0xab",)), "unknown", "no sanctions list imported yet"),
        (RecordFacts(sanctions_list=SANCTIONS), "not_applicable", "no contract address recorded"),
        (
            RecordFacts(sanctions_list=SANCTIONS, addresses=("contract 0xab",)),
            "pass",
            f"contract 0xab: not listed ({SANCTIONS})",
        ),
        (
            RecordFacts(sanctions_list=SANCTIONS, addresses=("contract 0xab",), sanctioned=(HIT,)),
            "flag",
            f"the contract owner {DARKMIX} is listed as ETH address of 'DARKMIX SERVICES' "
            f"(SDN entry 40001, CYBER2; {SANCTIONS})",
        ),
    ],
)
def test_sanctioned_address(records, outcome, evidence):
    assert check("legal.sanctioned_address", make_facts(records=records)) == (outcome, evidence)


FOUND = FilingFacts("0001800001-24-000007", True, "D", "EDGAR lists Form D …", NOW)
MISSING = FilingFacts("0001800001-24-000999", False, "", "not among CIK 1800001's", NOW)
CLAIM = "SEC Form D 0001800001-24-000007"


@pytest.mark.parametrize(
    ("filing", "claim", "records", "outcome", "evidence"),
    [
        ("", "", None, "flag", "security token with no regulatory filing recorded"),
        ("", CLAIM, None, "pass", f"regulatory filing: {CLAIM}"),
        ("", CLAIM, RecordFacts(), "pass", f"regulatory filing: {CLAIM}"),
        (
            "",
            CLAIM,
            RecordFacts(filing=FOUND),
            "pass",
            "verified on EDGAR (2026-12-01): EDGAR lists Form D …",
        ),
        (
            "",
            CLAIM,
            RecordFacts(filing=MISSING),
            "flag",
            f"claimed filing {CLAIM!r} does not exist on EDGAR (2026-12-01): "
            "not among CIK 1800001's",
        ),
    ],
)
def test_security_unregistered_decides_from_edgar(filing, claim, records, outcome, evidence):
    facts = make_facts(kind="sto", token_type="security", regulatory_filing=claim, records=records)
    assert check("legal.security_unregistered", facts) == (outcome, evidence)


# End to end: imports, decisions and checks reach the rules through facts_for().


def facts_of(offering):
    [facts] = facts_for(Offering.objects.filter(pk=offering.pk))
    return facts


def verdict(code, offering):
    return check(code, facts_of(offering))


@pytest.mark.django_db
def test_only_a_confirmed_link_flags(analyst):
    nova = OfferingFactory(name="Nova Chain", legal_entity="", website="https://novachain.io")
    assert verdict("legal.regulator_action", nova).outcome == "unknown"
    call_command(
        "import_regulator_list",
        "--format",
        "csv",
        str(fixture("regulator_warnings.csv")),
        stdout=StringIO(),
    )
    assert verdict("legal.regulator_action", nova).outcome == "pass"

    path = fixture("litreleases.xml")
    from records.importing import public_records_import
    from records.sec_feed import litigation_entries

    public_records_import(
        entries=litigation_entries(path.read_bytes()),
        source=ListImport.Source.SEC_LITIGATION,
        origin="litreleases.xml",
        content=path.read_bytes(),
    )
    match = RecordMatch.objects.get(offering=nova)
    assert verdict("legal.regulator_action", nova).outcome == "unknown"  # proposed only

    record_match_confirm(match=match, user=analyst)
    result = verdict("legal.regulator_action", nova)
    assert result.outcome == "flag"
    assert "SEC v. Nova Chain Labs, Inc., Jane Roe, and Richard Miles, et al." in result.evidence
    assert "lr-26001" in result.evidence and "SEC litigation releases (RSS)" in result.evidence


@pytest.mark.django_db
def test_a_rejected_match_is_no_evidence(analyst):
    nova = OfferingFactory(name="Nova Chain", legal_entity="")
    call_command("import_regulator_list", "--format", "csv", _nova_csv(), stdout=StringIO())
    record_match_reject(match=RecordMatch.objects.get(), user=analyst)
    assert verdict("legal.regulator_action", nova).outcome == "pass"


def _nova_csv() -> str:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as path:
        path.write("authority,kind,title,names,url\n")
        path.write("SEC,action,SEC v. Nova Chain,Nova Chain,https://sec.example/nova\n")
    return path.name


@pytest.mark.django_db
def test_a_contract_or_its_owner_on_the_ofac_list_is_flagged_quoting_the_entry():
    listed = OfferingFactory(contract_address="0x8589427373D6D84E98730D7795D8f6f8731FDA16")
    owned = OfferingFactory(contract_address="0x" + "1" * 40)
    ContractRisk.objects.create(
        offering=owned,
        chain_id=1,
        address=owned.contract_address,
        facts={
            "owner": {
                "value": DARKMIX.upper().replace("0X", "0x"),
                "source": "rpc",
                "seen_at": NOW.isoformat(),
            }
        },
        first_checked_at=NOW,
        checked_at=NOW,
        next_check_at=NOW,
    )
    clean = OfferingFactory(contract_address="0x" + "2" * 40)
    no_contract = OfferingFactory(contract_address="")
    assert verdict("legal.sanctioned_address", listed).outcome == "unknown"

    out = StringIO()
    call_command("import_ofac_addresses", str(fixture("sdn.xml")), stdout=out)

    assert out.getvalue().strip() == "3 sanctioned addresses from sdn.xml (3 not listed before)"
    result = verdict("legal.sanctioned_address", listed)
    assert result.outcome == "flag"
    assert f"the contract {DARKMIX} is listed as ETH address of 'DARKMIX SERVICES'" in (
        result.evidence
    )
    assert "SDN entry 40001, CYBER2" in result.evidence
    assert verdict("legal.sanctioned_address", owned).evidence.startswith(
        f"the contract owner {DARKMIX}"
    )
    assert verdict("legal.sanctioned_address", clean).outcome == "pass"
    assert verdict("legal.sanctioned_address", no_contract).outcome == "not_applicable"


@pytest.mark.django_db
def test_an_ofac_import_replaces_the_list_all_or_nothing(tmp_path):
    call_command("import_ofac_addresses", str(fixture("sdn.xml")), stdout=StringIO())
    bad = tmp_path / "sdn.csv"
    bad.write_text('1,"A","B"\n')

    with pytest.raises(CommandError, match=r"row 1: 3 columns; sdn\.csv rows have 12 .*; nothing"):
        call_command("import_ofac_addresses", str(bad), stdout=StringIO())
    assert SanctionedAddress.objects.count() == 3

    call_command("import_ofac_addresses", str(fixture("sdn.csv")), stdout=StringIO())
    assert SanctionedAddress.objects.count() == 3
    assert ListImport.objects.filter(source="ofac_sdn").count() == 2


@pytest.mark.django_db
def test_the_edgar_check_reaches_the_rule_until_the_claim_is_reworded():
    offering = OfferingFactory(kind="sto", token_type="security", regulatory_filing=CLAIM)
    FilingCheck.objects.create(
        offering=offering,
        claim=CLAIM,
        accession="0001800001-24-000007",
        found=False,
        evidence="accession 0001800001-24-000007 is not among the EDGAR filings of CIK 1800001",
        checked_at=timezone.now(),
    )
    assert verdict("legal.security_unregistered", offering).outcome == "flag"

    Offering.objects.filter(pk=offering.pk).update(regulatory_filing=CLAIM + " (amended)")
    assert verdict("legal.security_unregistered", offering) == (
        "pass",
        f"regulatory filing: {CLAIM} (amended)",
    )
