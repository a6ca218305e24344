"""Input limits: huge numbers are refused before they are converted, errors quote values short."""

from __future__ import annotations

import io
import json
import time
from decimal import Decimal

import pytest

from offerings.formats import read_csv, read_jsonl
from offerings.importing import offerings_import
from offerings.interchange import FieldError, parse_record
from offerings.limits import nesting_depth_check, quoted
from offerings.models import Offering
from offerings.models.parts import validate_allocation_total
from offerings.tord import read_tord
from tests.offerings.test_tord import tord_text

pytestmark = pytest.mark.django_db

HUGE = ["1e800000", "9" * 5000, "1E+999999999", "0.1e800000"]
TINY = ["1e-800000", "0e-800000", "0." + "0" * 5000 + "1"]


def errors_of(record: dict) -> list[FieldError]:
    started = time.perf_counter()
    _, errors = parse_record(record)
    assert time.perf_counter() - started < 0.5
    return errors


@pytest.mark.parametrize(
    "raw", [*HUGE, *TINY, Decimal("1e800000"), 10**1000], ids=lambda raw: str(raw)[:12]
)
def test_a_huge_count_is_refused_at_once_naming_the_bound(raw):
    (error,) = errors_of({"name": "X", "kind": "ico", "team_size": raw})
    assert error.field == "team_size"
    assert error.message.startswith("must be a whole number below 10^12")


def test_the_largest_accepted_count_is_just_below_the_bound():
    draft, errors = parse_record({"team_size": "999999999999", "whitepaper_pages": "1e3"})
    assert errors == []
    assert draft.values == {"team_size": 999_999_999_999, "whitepaper_pages": 1000}
    assert parse_record({"team_size": "1e12"})[1][0].message.startswith("must be a whole number")


@pytest.mark.parametrize(
    "raw", [*HUGE, Decimal("1e800000"), 10**1000], ids=lambda raw: str(raw)[:12]
)
def test_a_huge_amount_is_refused_at_once(raw):
    (error,) = errors_of({"hard_cap": raw})
    assert error.field == "hard_cap"
    assert "below 10^30" in error.message or "at most 64 characters" in error.message


@pytest.mark.parametrize("raw", TINY, ids=lambda raw: raw[:12])
def test_an_amount_with_absurdly_many_decimal_places_is_refused(raw):
    (error,) = errors_of({"allocations": [{"bucket": "team", "percent": raw}]})
    assert error.field == "allocations[0].percent"
    assert "decimal places" in error.message or "64 characters" in error.message


def test_an_ordinary_amount_with_many_digits_is_still_read():
    draft, errors = parse_record({"total_supply": "1234567890123456789012.123456789012345678"})
    assert errors == []
    assert draft.values["total_supply"] == Decimal("1234567890123456789012.123456789012345678")


def test_an_error_quotes_a_huge_value_cut_short():
    (error,) = errors_of({"team_size": "9" * 100_000})
    assert len(str(error)) < 300
    assert "100,000 characters" in str(error)


def test_a_jsonl_file_with_a_huge_exponent_is_reported_not_frozen():
    line = json.dumps({"name": "Freeze", "kind": "ico", "team_size": "1e800000"})
    number = '{"name": "Freeze2", "kind": "ico", "total_supply": 1e800000}'
    started = time.perf_counter()
    report = offerings_import(rows=read_jsonl(io.StringIO(f"{line}\n{number}\n")))
    assert time.perf_counter() - started < 2
    assert [(p.row, p.field) for p in report.errors] == [(1, "team_size"), (2, "total_supply")]
    assert not Offering.objects.exists()


def test_a_json_integer_too_long_for_python_is_a_line_error():
    line = '{"name": "Long", "kind": "ico", "team_size": ' + "9" * 5000 + "}"
    (row,) = read_jsonl(io.StringIO(line + "\n"))
    assert row.errors and row.errors[0].field == "(line)"
    assert len(str(row.errors[0])) < 300


def test_a_csv_cell_with_a_huge_exponent_is_refused():
    text = "name,kind,team_size,hard_cap\nFreeze,ico,1e800000,9e999999\n"
    report = offerings_import(rows=read_csv(io.StringIO(text)))
    assert sorted(p.field for p in report.errors) == ["hard_cap", "team_size"]


@pytest.mark.parametrize("column", ["teamsize", "raised_usd", "token_for_sale"])
def test_a_tord_number_with_a_huge_exponent_becomes_unknown_with_a_warning(column):
    started = time.perf_counter()
    (row,) = read_tord(io.StringIO(tord_text({"name": "Big", column: "1e800000"})))
    assert time.perf_counter() - started < 0.5
    assert [w.field for w in row.warnings if w.field == column] == [column]
    assert "imported as unknown" in next(w.message for w in row.warnings if w.field == column)


def test_the_allocation_total_ignores_shares_that_break_their_own_rule():
    validate_allocation_total([Decimal("1e800000"), Decimal("40")])  # reported on its own field
    with pytest.raises(Exception, match="120"):
        validate_allocation_total([Decimal("60"), Decimal("60")])


def test_deep_nesting_is_refused_without_recursion():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match="deeper than 4 levels"):
        nesting_depth_check({"team": deep})
    nesting_depth_check({"team": [{"name": "A"}], "socials": {"x": "y"}})


def test_quoted_values_are_cut_and_say_their_length():
    assert quoted("short") == "short"
    assert quoted("x" * 1000).endswith("… (1,000 characters)")
    assert quoted(10**1000) == "(a 3322-bit number)"


# ---- text that no database can store, and line numbers -------------------------------------


def test_an_escaped_nul_in_json_lines_is_a_field_error_and_partial_keeps_the_good_rows():
    good = json.dumps({"name": "Good", "kind": "ico"})
    bad = '{"name": "Bad", "kind": "ico", "description": "a\\u0000b"}'
    surrogate = '{"name": "Worse", "kind": "ico", "backers": ["\\ud800"]}'
    text = f"{good}\n{bad}\n{surrogate}\n"
    report = offerings_import(rows=read_jsonl(io.StringIO(text)), partial=True)
    assert [(p.row, p.field) for p in report.errors] == [(2, "description"), (3, "backers")]
    assert list(Offering.objects.values_list("name", flat=True)) == ["Good"]


def test_a_venue_name_longer_than_its_column_is_a_row_error():
    line = json.dumps({"name": "Ven", "kind": "ieo", "venue": "v" * 121})
    report = offerings_import(rows=read_jsonl(io.StringIO(line + "\n")), partial=True)
    assert [(p.field, p.message) for p in report.errors] == [
        ("venue", "must be at most 120 characters (got 121)")
    ]


def test_a_csv_error_in_the_first_data_row_names_line_2():
    (row,) = read_csv(io.StringIO('name,kind\n"Open quote,ico\n'))
    assert row.number == 2
    assert row.fatal


def test_a_csv_header_that_cannot_be_read_names_line_1():
    (row,) = read_csv(io.StringIO('"name,kind\n'))
    assert row.number == 1


def test_the_model_refuses_an_overlong_description_and_too_many_backers():
    from django.core.exceptions import ValidationError

    from tests.factories import OfferingFactory

    offering = OfferingFactory.build(description="d" * 20_001, backers=["b"] * 201)
    with pytest.raises(ValidationError) as caught:
        offering.full_clean(exclude=["venue", "slug"])
    assert set(caught.value.message_dict) >= {"description", "backers"}
