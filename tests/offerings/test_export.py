"""Export in interchange format v2: export -> import -> export is identical, values canonical."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diligence.selectors import assessed_export
from offerings.demo import VENUES, demo_records
from offerings.importing import SourceRow, offerings_import
from offerings.models import Offering, Venue
from offerings.services import venue_upsert
from tests.factories import OfferingFactory, SocialLinkFactory, VenueFactory, full_offering

pytestmark = pytest.mark.django_db

# The field table of interchange format v2 (issues 2 and 11), in export order.
INTERCHANGE_COLUMNS = [
    "interchange_version",
    "name", "symbol", "slug", "kind", "status", "token_type", "venue", "chain", "token_standard",
    "contract_address", "coingecko_id", "website", "whitepaper_url", "code_url", "code_public",
    "whitepaper_pages", "team_size", "country", "legal_entity", "postal_address",
    "regulatory_filing", "description", "claims", "start_date", "end_date", "tge_date",
    "cap_currency", "soft_cap", "hard_cap", "raised_usd", "token_price_usd", "total_supply",
    "tokens_for_sale",
    "supply_fixed", "whitelist", "bonus", "roadmap", "use_of_proceeds", "refund_policy", "kyc",
    "product_stage", "restricted_countries", "backers", "audits", "team", "allocations",
    "rounds", "socials",
]  # fmt: skip
# Read-only, from the current assessment; an import ignores them.
ASSESSMENT_COLUMNS = ["score", "grade", "risk", "coverage", "probability", "flags", "assessed_at"]
# Read-only, from the market-data refresh; an import ignores them.
MARKET_COLUMNS = ["market", "listings"]
# Read-only, what happened after the sale (derived or analyst-entered); an import ignores it.
OUTCOME_COLUMNS = ["outcomes"]
# Read-only, from the contract-risk checks; an import ignores it.
CONTRACT_COLUMNS = ["contract"]
WHITEPAPER_COLUMNS = ["whitepaper_copy"]
# Read-only, confirmed regulators' records, the EDGAR check, sanctioned addresses (records/).
PUBLIC_RECORD_COLUMNS = ["public_records"]
EXPORT_COLUMNS = (
    INTERCHANGE_COLUMNS
    + ASSESSMENT_COLUMNS
    + MARKET_COLUMNS
    + OUTCOME_COLUMNS
    + CONTRACT_COLUMNS
    + WHITEPAPER_COLUMNS
    + PUBLIC_RECORD_COLUMNS
)


def export(fmt: str, path: Path) -> bytes:
    call_command("export_offerings", "--format", fmt, "--output", str(path), stderr=io.StringIO())
    return path.read_bytes()


def import_file(path: Path, fmt: str) -> None:
    out = io.StringIO()
    call_command("import_offerings", str(path), "--format", fmt, "--no-progress", stdout=out)


def wipe() -> None:
    Offering.objects.all().delete()
    Venue.objects.all().delete()


def load_demo() -> None:
    for venue in VENUES:
        venue_upsert(**venue)
    records = demo_records(timezone.localdate())
    rows = [SourceRow(n, record) for n, record in enumerate(records, start=1)]
    report = offerings_import(rows=rows)
    assert report.errors == []


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def only_record() -> dict:
    (record,) = assessed_export()
    return record


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_import_export_is_byte_identical_on_a_fresh_database(fmt, tmp_path):
    load_demo()
    full_offering(
        name="Zephyr Full",
        slug="zephyr-full",
        tge_date=dt.date(2026, 2, 20),
        description='Quotes "x", commas; semicolons\nand a second line, ü',
    )
    full_offering(name="Yonder Venue", slug="yonder-venue", on_exchange=True, soft_cap=Decimal(0))
    first = export(fmt, tmp_path / f"first.{fmt}")
    wipe()
    assert not Offering.objects.exists()
    import_file(tmp_path / f"first.{fmt}", fmt)
    second = export(fmt, tmp_path / f"second.{fmt}")
    assert Offering.objects.count() == 62
    assert first.count(b"\n") >= 62, "the export is too small to prove anything"
    assert second == first


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_re_imported_into_the_same_database_changes_nothing(fmt, tmp_path):
    load_demo()
    full_offering()
    export(fmt, tmp_path / f"export.{fmt}")
    history = Offering.history.count()
    out = io.StringIO()
    call_command("import_offerings", str(tmp_path / f"export.{fmt}"), "--no-progress", stdout=out)
    assert "0 created, 0 updated, 61 unchanged" in out.getvalue()
    assert Offering.history.count() == history


def test_the_csv_header_is_the_interchange_field_names(tmp_path):
    OfferingFactory()
    text = export("csv", tmp_path / "export.csv").decode()
    assert next(csv.reader(io.StringIO(text))) == EXPORT_COLUMNS


def test_a_jsonl_record_has_every_interchange_field_in_order():
    OfferingFactory()
    assert list(only_record()) == EXPORT_COLUMNS


def test_decimals_are_exported_as_canonical_strings():
    offering = full_offering(
        soft_cap=Decimal("1000000.000"), token_price_usd=Decimal("0.10"), hard_cap=Decimal("5E+6")
    )
    offering.allocations.filter(bucket="team").update(percent=Decimal("15.2500"))
    record = only_record()
    assert record["soft_cap"] == "1000000"
    assert record["hard_cap"] == "5000000"
    assert record["token_price_usd"] == "0.1"
    assert {a["bucket"]: a["percent"] for a in record["allocations"]} == {
        "team": "15.25",
        "public_sale": "40",
    }
    assert record["rounds"][0]["price_usd"] == "0.08"


def test_zero_caps_are_exported_as_zero_not_as_unknown():
    OfferingFactory(soft_cap=Decimal(0), hard_cap=Decimal(0))
    record = only_record()
    assert (record["soft_cap"], record["hard_cap"]) == ("0", "0")


def test_unknown_values_are_exported_as_null_and_false_stays_false():
    OfferingFactory(
        symbol="",
        raised_usd=None,
        whitepaper_pages=None,
        country="",
        supply_fixed=None,
        whitelist=False,
        start_date=None,
        end_date=None,
    )
    record = only_record()
    for name in ("symbol", "raised_usd", "whitepaper_pages", "country", "supply_fixed", "venue"):
        assert record[name] is None, name
    assert record["status"] is None, "no dates and no declared status: the status is unknown"
    assert record["whitelist"] is False
    # Parts with no entries and no "checked, none" are not recorded.
    assert (record["restricted_countries"], record["team"], record["socials"]) == ([], None, None)
    assert (record["backers"], record["audits"], record["code_public"]) == (None, None, None)


def test_an_unknown_value_is_an_empty_cell_in_csv_and_a_boolean_is_spelled_out(tmp_path):
    OfferingFactory(raised_usd=None, whitelist=True, supply_fixed=False)
    text = export("csv", tmp_path / "export.csv").decode()
    (row,) = csv.DictReader(io.StringIO(text))
    assert (row["raised_usd"], row["whitelist"], row["supply_fixed"]) == ("", "true", "false")


def test_the_exported_status_is_the_current_one():
    year_ago = timezone.localdate() - dt.timedelta(days=365)
    OfferingFactory(slug="a-ended", start_date=year_ago, end_date=year_ago + dt.timedelta(days=30))
    OfferingFactory(slug="b-cancelled", declared_status="cancelled")
    assert [record["status"] for record in assessed_export()] == ["ended", "cancelled"]


def test_nested_parts_and_socials_use_interchange_names():
    venue = VenueFactory(name="Northgate Exchange")
    offering = full_offering(kind="ieo", venue=venue, restricted_countries=["US", "KP"])
    SocialLinkFactory(offering=offering, network="github", url="https://git.example/p")
    record = only_record()
    assert record["venue"] == "Northgate Exchange"
    assert record["restricted_countries"] == ["US", "KP"]
    assert set(record["team"][0]) == {
        "name",
        "role",
        "anonymous",
        "experienced",
        "advisor",
        "profile_url",
    }
    assert record["team"][1]["name"] is None, "an anonymous member has no name"
    assert list(record["allocations"][0]) == [
        "bucket",
        "percent",
        "vesting_months",
        "cliff_months",
        "tge_percent",
        "unlock_frequency",
        "vesting_start",
        "schedule_source",
        "schedule_source_url",
    ]
    assert set(record["rounds"][0]) == {
        "kind",
        "price_usd",
        "discount_percent",
        "start_date",
        "end_date",
        "raised_usd",
    }
    assert record["audits"] == [
        {
            "auditor": "Bastion Security",
            "url": "https://audits.example/report",
            "date": "2025-12-01",
        }
    ]
    assert record["socials"] == {
        "twitter": "https://x.example/project",
        "github": "https://git.example/p",
    }


def test_export_to_standard_output_matches_the_file(tmp_path):
    full_offering()
    out = io.StringIO()
    call_command("export_offerings", "--format", "jsonl", stdout=out, stderr=io.StringIO())
    assert out.getvalue().encode() == export("jsonl", tmp_path / "export.jsonl")
    assert len(records(out.getvalue())) == 1


def test_the_export_query_count_does_not_grow_with_the_offerings():
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert list(assessed_export())
        return len(queries)

    full_offering(on_exchange=True)
    few = count()
    for _ in range(9):
        full_offering(on_exchange=True)
    assert count() == few


# A known limit of the embedded default: SQLite keeps a DecimalField as REAL (about 15
# significant digits). Strict: passing there means the limit is gone.
DIGITS_LOST_BY = {
    "sqlite": "SQLite stores DecimalField values as REAL, about 15 significant digits",
}


def test_an_amount_with_every_digit_the_model_allows_survives_the_round_trip(tmp_path, request):
    reason = DIGITS_LOST_BY.get(connection.vendor)
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    amount = "1000000000000000000000.000000000000000001"  # 40 digits, 18 places: max_digits=40
    OfferingFactory(slug="wei", total_supply=Decimal(amount))
    assert Offering.objects.get().total_supply == Decimal(amount)
    first = export("jsonl", tmp_path / "first.jsonl")
    assert only_record()["total_supply"] == amount
    wipe()
    import_file(tmp_path / "first.jsonl", "jsonl")
    assert export("jsonl", tmp_path / "second.jsonl") == first


def test_the_export_carries_the_current_assessment_and_the_import_ignores_it(tmp_path):
    from diligence.models import Assessment
    from diligence.rescoring import assessments_refresh

    offering = full_offering(hard_cap=Decimal(0))
    assessments_refresh()
    current = Assessment.objects.get(offering=offering)
    record = only_record()
    assert record["score"] == format(current.score.normalize(), "f")
    assert (record["grade"], record["risk"]) == (current.grade, current.risk)
    assert "caps.no_hard_cap" in record["flags"]
    assert record["assessed_at"] == current.created_at.isoformat()
    text = export("csv", tmp_path / "export.csv").decode()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["flags"].split(";") == current.flags
    record["score"] = "1"  # read-only: importing it changes nothing
    report = offerings_import(rows=[SourceRow(1, record)])
    assert (report.unchanged, report.errors) == (1, [])


def test_outcomes_are_exported_read_only_and_survive_the_round_trip(tmp_path):
    from offerings.models import SaleOutcome
    from offerings.outcomes import sale_outcome_record
    from tests.factories import UserFactory

    offering = full_offering(slug="rugged")
    SaleOutcome.objects.create(
        offering=offering,
        kind="listed",
        derived=True,
        occurred_on=dt.date(2026, 3, 1),
        evidence="first traded 2026-03-01, 19 days after the sale",
        recorded_at=dt.datetime(2026, 4, 1, 8, tzinfo=dt.UTC),
    )
    sale_outcome_record(
        offering=offering,
        kind="exit_scam",
        source_url="https://news.example/rug",
        note="team vanished",
        user=UserFactory(),
    )
    full_offering(slug="quiet")
    first = export("jsonl", tmp_path / "first.jsonl")
    record = next(r for r in records(first.decode()) if r["slug"] == "rugged")
    assert [o["kind"] for o in record["outcomes"]] == ["exit_scam", "listed"]
    assert record["outcomes"][1] == {
        "kind": "listed",
        "derived": True,
        "occurred_on": "2026-03-01",
        "evidence": "first traded 2026-03-01, 19 days after the sale",
        "source_url": None,
        "note": None,
        "recorded_at": "2026-04-01T08:00:00+00:00",
    }
    assert record["outcomes"][0]["source_url"] == "https://news.example/rug"

    import_file(tmp_path / "first.jsonl", "jsonl")
    assert export("jsonl", tmp_path / "second.jsonl") == first
    csv_first = export("csv", tmp_path / "first.csv")
    import_file(tmp_path / "first.csv", "csv")
    assert export("csv", tmp_path / "second.csv") == csv_first

    record["outcomes"] = [{"kind": "failed", "derived": False}]  # read-only: ignored
    report = offerings_import(rows=[SourceRow(1, record)])
    assert (report.unchanged, report.errors) == (1, [])
    assert set(SaleOutcome.objects.values_list("kind", flat=True)) == {"listed", "exit_scam"}


# ---- formula-safe CSV (OWASP CSV injection) ------------------------------------------------

FORMULAS = {
    "name": '=HYPERLINK("http://evil.example","click")',
    "description": "+1+cmd|' /C calc'!A0",
    "claims": "-2+3",
    "legal_entity": "@SUM(A1:A9)",
    "regulatory_filing": "'quoted from the start",
    "backers": ["=Evil Fund", "Good Fund"],
}


def formula_offering() -> Offering:
    return full_offering(slug="formula", **FORMULAS)


def test_a_csv_cell_a_spreadsheet_would_run_starts_with_a_quote(tmp_path):
    formula_offering()
    (row,) = csv.DictReader(io.StringIO(export("csv", tmp_path / "e.csv").decode()))
    assert row["name"] == "'" + FORMULAS["name"]
    assert row["description"] == "'" + FORMULAS["description"]
    assert row["claims"] == "'-2+3"
    assert row["legal_entity"] == "'@SUM(A1:A9)"
    assert row["regulatory_filing"] == "''quoted from the start"
    assert row["backers"] == "'=Evil Fund;Good Fund"
    dangerous = tuple("=+-@\t\r")
    assert not [name for name, cell in row.items() if cell.startswith(dangerous)]


@pytest.mark.parametrize("cell", ["\tx", "\rx", "=1", "+1", "-1", "@x", "'x"])
def test_a_tab_a_return_or_a_formula_sign_first_gets_the_guard_quote(cell):
    from offerings.formats import formula_guarded

    assert formula_guarded(cell) == "'" + cell
    assert formula_guarded("plain") == "plain"
    assert formula_guarded("") == ""


def test_the_web_export_is_formula_safe_too(client, analyst):
    formula_offering()
    client.force_login(analyst)
    response = client.get("/offerings/export.csv")
    text = b"".join(response.streaming_content).decode()
    (row,) = csv.DictReader(io.StringIO(text))
    assert row["name"] == "'" + FORMULAS["name"]
    assert row["regulatory_filing"] == "''quoted from the start"


def test_a_formula_safe_csv_re_imports_to_the_original_values(tmp_path):
    formula_offering()
    first = export("csv", tmp_path / "first.csv")
    wipe()
    import_file(tmp_path / "first.csv", "csv")
    offering = Offering.objects.get(slug="formula")
    assert offering.name == FORMULAS["name"]
    assert offering.claims == "-2+3"
    assert offering.regulatory_filing == "'quoted from the start"
    assert offering.backers == ["=Evil Fund", "Good Fund"]
    assert export("csv", tmp_path / "second.csv") == first


def test_a_negative_number_in_a_numeric_cell_is_quoted_and_still_refused_as_negative():
    from offerings.formats import read_csv

    exported = "name,kind,hard_cap\nNeg,ico,'-5\n"
    report = offerings_import(rows=read_csv(io.StringIO(exported)))
    assert [(p.field, p.value, p.message) for p in report.errors] == [
        ("hard_cap", "-5", "must not be negative")
    ]


def test_an_ieo_without_a_venue_exports_and_re_imports_to_the_same_export(tmp_path):
    # TORD's IEO rows name no exchange; their export used to be refused on re-import.
    OfferingFactory(slug="unnamed-exchange", kind="ieo", venue=None)
    first = export("jsonl", tmp_path / "first.jsonl")

    import_file(tmp_path / "first.jsonl", "jsonl")

    assert export("jsonl", tmp_path / "second.jsonl") == first
    assert (
        next(r for r in records(first.decode()) if r["slug"] == "unnamed-exchange")["kind"] == "ieo"
    )
