"""The TORD research CSV reader: value readers on inline rows, and the real files when present."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from offerings.importing import ImportReport, SourceRow, offerings_import
from offerings.models import Offering
from offerings.tord import NULL_MARKERS, open_tord, read_tord

pytestmark = pytest.mark.django_db

V4_COLUMNS = [
    "id", "name", "token", "country", "is_ico", "is_ieo", "is_sto", "ico_start", "ico_end",
    "price_usd", "raised_usd", "distributed_in_ico", "sold_tokens", "token_for_sale",
    "whitelist", "kyc", "bonus", "restricted_areas", "min_investment", "bounty", "mvp",
    "pre_ico_start", "pre_ico_end", "pre_ico_price_usd", "platform", "accepting",
    "link_white_paper", "linkedin_link", "github_link", "website", "rating", "teamsize",
    "Coinmarketcap_identifier", "ERC20", "contract_address", "Source",
]  # fmt: skip


def tord_text(*rows: dict) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=V4_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({"Source": "ICObench", "is_ico": "1", "is_ieo": "0", "is_sto": "0", **row})
    return buffer.getvalue()


def read(*rows: dict) -> list:
    return list(read_tord(tord_text(*rows).splitlines(keepends=True)))


def record(**row) -> dict:
    (source_row,) = read({"name": "Aurora", **row})
    return source_row.record


def warnings(**row) -> list[tuple[str, str, str]]:
    (source_row,) = read({"name": "Aurora", **row})
    return [(w.field, w.value, w.message) for w in source_row.warnings]


def _run_import(records: list, **options) -> ImportReport:
    rows = [SourceRow(n, record) for n, record in enumerate(records, start=1)]
    return offerings_import(rows=rows, **options)


def tord_import(*rows: dict) -> ImportReport:
    return offerings_import(rows=read(*rows), partial=True, lenient=True)


# ---- encodings ----------------------------------------------------------------------------


def test_a_utf8_file_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    path = tmp_path / "tord_v4.csv"
    path.write_bytes(tord_text({"id": "7", "name": "Zürich Coin"}).encode("utf-8-sig"))
    (row,) = read_tord(open_tord(path))
    assert row.record["name"] == "Zürich Coin"
    assert row.number == 2


def test_a_cp1252_file_is_read_as_cp1252(tmp_path):
    path = tmp_path / "tord_v2.csv"
    path.write_bytes(tord_text({"name": "Café Token", "country": "Curaçao"}).encode("cp1252"))
    (row,) = read_tord(open_tord(path))
    assert row.record["name"] == "Café Token"
    assert row.record["country"] == "CW"


# ---- values -------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["2018-03-01", "01.03.2018"])
def test_both_date_formats_are_read(raw):
    assert record(ico_start=raw)["start_date"] == "2018-03-01"


def test_an_unreadable_date_is_unknown_with_a_warning():
    assert "start_date" not in record(ico_start="March 2018")
    assert warnings(ico_start="March 2018") == [
        ("ico_start", "March 2018", "not a date (yyyy-mm-dd or dd.mm.yyyy); imported as unknown")
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0,04 USD", "0.04"),
        ("$0.5", "0.5"),
        ("0.2$", "0.2"),
        ("0.14399999999999999", "0.144"),
        ("5.0000000000000001E-3", "0.005"),
        ("1 TC = 0,2 USD", "0.2"),
        ("1 $KSPNX = $0.0080", "0.008"),
    ],
)
def test_usd_prices_lose_units_decimal_commas_and_float_noise(raw, expected):
    assert record(price_usd=raw)["token_price_usd"] == expected
    assert warnings(price_usd=raw) == []


def test_thousands_separators_are_read():
    read_record = record(token_for_sale="20,000,000", raised_usd="1,250,000.50")
    assert read_record["tokens_for_sale"] == "20000000"
    assert read_record["raised_usd"] == "1250000.5"


@pytest.mark.parametrize(
    "raw", ["1 KBX = 0.00011 ETH", "0.03 USDT", "19.95 EUR", "1 ECXX = 0.5 USDT"]
)
def test_a_price_in_another_currency_is_unknown_with_a_warning(raw):
    assert "token_price_usd" not in record(price_usd=raw)
    assert warnings(price_usd=raw) == [
        ("price_usd", raw, "an amount in another currency, not USD; imported as unknown")
    ]


def test_junk_in_a_yes_no_column_is_unknown_with_a_warning():
    assert "kyc" not in record(kyc="upon request")
    assert warnings(kyc="upon request") == [
        ("kyc", "upon request", "not a yes/no value; imported as unknown")
    ]


@pytest.mark.parametrize("marker", ["NA", "n/a", "", "-", "TBA"])
def test_null_markers_are_unknown_without_a_warning(marker):
    row = {"price_usd": marker, "country": marker, "ico_start": marker, "kyc": marker}
    read_record = record(**row)
    assert not {"token_price_usd", "country", "start_date", "kyc"} & set(read_record)
    assert warnings(**row) == []


def test_restricted_areas_become_country_codes():
    areas = "Cuba, Iran and North Korea, Trinidad and Tobago; USA"
    assert record(restricted_areas=areas)["restricted_countries"] == ["CU", "IR", "KP", "TT", "US"]
    assert warnings(restricted_areas=areas) == []


def test_restricted_areas_that_are_not_countries_are_named_in_a_warning():
    areas = "Cuba, the Moon, any sanctioned jurisdiction"
    assert record(restricted_areas=areas)["restricted_countries"] == ["CU"]
    (warning,) = warnings(restricted_areas=areas)
    assert warning[0] == "restricted_areas"
    assert warning[1] == "the Moon; any sanctioned jurisdiction"


def test_yes_and_no_from_a_source_that_states_them():
    read_record = record(whitelist="Yes", kyc="0", mvp="1", Source="ICObench")
    assert (read_record["whitelist"], read_record["kyc"]) == (True, "not_required")
    assert read_record["product_stage"] == "prototype"


def test_icomarks_zero_flags_are_unknown_not_no():
    read_record = record(whitelist="0", kyc="0", mvp="0", ERC20="0", Source="ICOmarks")
    assert not {"whitelist", "kyc", "product_stage", "token_standard"} & set(read_record)
    assert record(whitelist="1", Source="ICOmarks")["whitelist"] is True


def test_the_offering_kind_comes_from_the_flags():
    assert record(is_ico="1", is_ieo="1")["kind"] == "ieo"
    sto = record(is_ico="1", is_sto="1")
    assert (sto["kind"], sto["token_type"]) == ("sto", "security")


def test_a_source_that_does_not_state_the_kind_gives_a_generic_ico_with_a_warning():
    row = {"is_ico": "", "is_ieo": "", "is_sto": "", "Source": "CryptoRank"}
    assert record(**row)["kind"] == "ico"
    assert [w[0] for w in warnings(**row)] == ["is_ico"]


@pytest.mark.parametrize(("raw", "ticker"), [("Tycoon Token / TYC", "TYC"), ("PASS Token", "PASS")])
def test_the_ticker_is_taken_from_a_longer_token_name(raw, ticker):
    assert record(token=raw)["symbol"] == ticker


def test_a_share_of_supply_becomes_a_public_sale_allocation_in_percent():
    allocations = record(distributed_in_ico="0.010416667")["allocations"]
    assert allocations == [{"bucket": "public_sale", "percent": "1.0417"}]
    assert warnings(distributed_in_ico="85")[0][:2] == ("distributed_in_ico", "85")


def test_a_presale_becomes_a_round_with_its_discount():
    (presale,) = record(price_usd="0.10", pre_ico_price_usd="0.08", pre_ico_start="01.02.2018")[
        "rounds"
    ]
    assert presale == {
        "kind": "presale",
        "price_usd": "0.08",
        "start_date": "2018-02-01",
        "end_date": None,
        "discount_percent": "20",
    }


# ---- rows: merges, errors, import -----------------------------------------------------------


def test_a_project_listed_by_two_sources_is_merged_with_the_richer_source_winning():
    rows = read(
        {"name": "Tectum", "token": "TET", "Source": "ICOmarks", "country": "Estonia",
         "website": "https://tectum.example", "kyc": "maybe"},
        {"name": "tectum", "token": "tet", "Source": "ICObench", "country": "Switzerland",
         "price_usd": "0.5"},
    )  # fmt: skip
    (merged,) = rows
    assert merged.number == 3
    assert merged.record["country"] == "CH"
    assert merged.record["token_price_usd"] == "0.5"
    assert merged.record["website"] == "https://tectum.example"
    report = offerings_import(rows=rows, lenient=True)
    assert report.created == 1
    by_field = {problem.field: problem for problem in report.warnings}
    assert by_field["kyc"].row == 2, "a warning about line 2 must name line 2"
    assert by_field["name"].row == 3
    assert "same project as line 2" in by_field["name"].message


def test_the_same_name_with_another_ticker_is_another_project():
    assert len(read({"name": "Karma", "token": "KRM"}, {"name": "Karma", "token": "KIT"})) == 2


def test_a_row_without_a_name_is_an_error_and_the_others_import():
    report = tord_import({"name": "Aurora"}, {"name": "NA", "token": "NOP"}, {"name": "Borealis"})
    assert [(p.row, p.field) for p in report.errors] == [(3, "name")]
    assert "a row without a name cannot be imported" in report.errors[0].message
    assert set(Offering.objects.values_list("name", flat=True)) == {"Aurora", "Borealis"}


def test_a_value_that_breaks_a_rule_is_imported_as_unknown_with_a_warning():
    report = tord_import(
        {"name": "Aurora", "ico_start": "2018-05-01", "ico_end": "2018-04-01",
         "pre_ico_start": "2018-03-01", "pre_ico_end": "2018-02-01", "is_ieo": "1",
         "website": "0", "distributed_in_ico": "0.010416667"},
    )  # fmt: skip
    assert (report.created, report.errors) == (1, [])
    offering = Offering.objects.get()
    assert (offering.start_date.isoformat(), offering.end_date) == ("2018-05-01", None)
    assert offering.website == ""
    assert offering.rounds.get().end_date is None
    assert offering.allocations.get().percent == Decimal("1.0417")
    assert {p.field for p in report.warnings} >= {
        "end_date",
        "rounds[0].end_date",
        "website",
        "venue",
    }


# ---- lenient import (research data) ----------------------------------------------------


def test_lenient_import_makes_a_rule_breaking_optional_value_unknown_and_says_so():
    record = {"name": "Aurora", "kind": "ico", "soft_cap": "5000", "hard_cap": "1000"}
    report = _run_import([record], lenient=True)
    assert (report.created, report.errors) == (1, [])
    offering = Offering.objects.get()
    assert (offering.soft_cap, offering.hard_cap) == (None, Decimal("1000"))
    (warning,) = report.warnings
    assert (warning.row, warning.field, warning.value) == (1, "soft_cap", Decimal("5000"))
    assert warning.message.endswith("; imported as unknown")


def test_lenient_import_rejects_a_value_that_unknown_cannot_fix():
    nameless = {"name": "Aurora", "kind": "ico", "team": [{"role": "CEO", "anonymous": False}]}
    borealis = {"name": "Borealis", "kind": "ico"}
    report = _run_import([nameless, borealis], lenient=True, partial=True)
    assert [(p.row, p.field) for p in report.errors] == [(1, "team[0].name")]
    assert list(Offering.objects.values_list("name", flat=True)) == ["Borealis"]


# ---- the real files ---------------------------------------------------------------------------


def _raw_rows(path: Path, encoding: str = "utf-8-sig") -> list[tuple[int, dict]]:
    """Each record of the file with the line it ends on, read without the project's reader."""
    reader = csv.DictReader(io.StringIO(path.read_bytes().decode(encoding), newline=""))
    return [(reader.line_num, row) for row in reader]


def _is_null(cell: str | None) -> bool:
    return (cell or "").strip().casefold() in NULL_MARKERS


def _import(path: Path, tmp_path: Path) -> tuple[dict, float]:
    report_path = tmp_path / "report.json"
    started = time.monotonic()
    call_command(
        "import_offerings", str(path), "--format", "tord", "--partial", "--no-progress",
        "--report", str(report_path), stdout=io.StringIO(), stderr=io.StringIO(),
    )  # fmt: skip
    return json.loads(report_path.read_text()), time.monotonic() - started


@pytest.mark.tord
def test_the_whole_tord_v4_file_imports_with_a_row_level_report(tord_v4, tmp_path):
    raw = _raw_rows(tord_v4)
    assert len(raw) == 10_522
    report, seconds = _import(tord_v4, tmp_path)
    assert seconds < 60, f"the import took {seconds:.0f}s"
    merges = [w for w in report["warnings"] if "the rows were merged" in w["message"]]
    assert report["rows"] == len(raw) - len(merges)
    assert report["created"] + report["bad_rows"] == report["rows"], "rows went missing"
    assert Offering.objects.count() == report["created"] >= 0.95 * report["rows"]
    last_line = raw[-1][0]
    for problem in report["errors"] + report["warnings"]:
        assert 2 <= problem["row"] <= last_line, problem
        assert problem["field"] and problem["message"] and "value" in problem, problem
    # Nothing silently dropped: a stated value is stored or its line says why it is not.
    names = Counter(row["name"].strip().casefold() for _, row in raw)
    offerings = {
        name.casefold(): values
        for name, *values in Offering.objects.values_list(
            "name", "token_price_usd", "start_date", "country", "raised_usd", "website"
        )
    }
    warned = {(w["row"], w["field"]) for w in report["warnings"] + report["errors"]}
    columns = {"price_usd": "token_price_usd", "ico_start": "start_date", "country": "country",
               "raised_usd": "raised_usd", "website": "website"}  # fmt: skip
    checked = 0
    for line, row in raw:
        name = row["name"].strip().casefold()
        if _is_null(name) or names[name] > 1:
            continue  # merged or ambiguous by name
        stored = dict(zip(columns.values(), offerings[name], strict=True))
        for column, field in columns.items():
            if _is_null(row[column]):
                continue
            checked += 1
            kept = stored[field] not in (None, "")
            assert kept or (line, column) in warned or (line, field) in warned, (line, column)
    assert checked > 20_000


@pytest.mark.tord
def test_tord_v2_brings_soft_and_hard_caps(tord_v2, tmp_path):
    report, _ = _import(tord_v2, tmp_path)
    assert report["created"] >= 0.95 * report["rows"]
    raw = _raw_rows(tord_v2, encoding="cp1252")
    names = Counter(row["name"].strip().casefold() for _, row in raw)
    caps = {name.casefold(): cap for name, cap in Offering.objects.values_list("name", "hard_cap")}
    plain = [
        (line, row)
        for line, row in raw
        if re.fullmatch(r"\d+", row["hard_cap_usd"])
        and re.fullmatch(r"\d+", row["soft_cap_usd"])
        and names[row["name"].strip().casefold()] == 1
    ]
    assert len(plain) > 500
    warned = {w["row"] for w in report["warnings"] if w["field"] in {"soft_cap", "hard_cap"}}
    warned |= {e["row"] for e in report["errors"]}
    for line, row in plain:
        if line not in warned:
            assert caps[row["name"].strip().casefold()] == Decimal(row["hard_cap_usd"]), line
    assert Offering.objects.filter(soft_cap__gt=0, cap_currency="USD").count() > 500
