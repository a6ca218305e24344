"""parse_record(): interchange values (v1, v2) read into typed drafts, every bad value reported."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest

from offerings.formats import read_jsonl
from offerings.interchange import Draft, FieldError, parse_record

pytestmark = pytest.mark.django_db


def values(record: dict) -> dict:
    draft, errors = parse_record(record)
    assert errors == [], errors
    return draft.values


def only_error(record: dict) -> FieldError:
    _, errors = parse_record(record)
    assert len(errors) == 1, errors
    return errors[0]


# ---- decimals -------------------------------------------------------------------------------


def test_a_decimal_is_read_from_a_json_number_and_from_a_string():
    read = values({"soft_cap": 1500000, "hard_cap": "2500000.50", "raised_usd": " 42 "})
    assert read["soft_cap"] == Decimal("1500000")
    assert read["hard_cap"] == Decimal("2500000.50")
    assert read["raised_usd"] == Decimal("42")
    assert all(isinstance(value, Decimal) for value in read.values())


def test_a_float_keeps_its_short_form_not_its_binary_expansion():
    read = values({"token_price_usd": 0.1, "total_supply": 1e25})
    assert read["token_price_usd"] == Decimal("0.1")
    assert read["total_supply"] == Decimal("10000000000000000000000000")


def test_a_decimal_read_by_the_json_reader_keeps_every_digit():
    read = values({"total_supply": Decimal("12345678.123456789012")})
    assert read["total_supply"] == Decimal("12345678.123456789012")


def test_a_number_in_exponent_notation_is_a_decimal():
    assert values({"hard_cap": "2.5e6"})["hard_cap"] == Decimal("2500000")


@pytest.mark.parametrize("raw", ["", None])
def test_an_empty_or_null_amount_is_unknown(raw):
    assert values({"raised_usd": raw}) == {"raised_usd": None}


def test_zero_is_a_stated_value_not_unknown():
    assert values({"soft_cap": "0"})["soft_cap"] == Decimal(0)


@pytest.mark.parametrize("raw", ["-1", -5, "-0.01"])
def test_a_negative_amount_is_rejected(raw):
    error = only_error({"hard_cap": raw})
    assert (error.field, error.value, error.message) == ("hard_cap", raw, "must not be negative")


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), "NaN", "Infinity", "-inf"])
def test_a_decimal_that_is_not_finite_is_rejected(raw):
    error = only_error({"soft_cap": raw})
    assert error.field == "soft_cap"
    assert "finite" in error.message


@pytest.mark.parametrize("raw", [True, False])
def test_a_boolean_is_not_a_decimal(raw):
    error = only_error({"total_supply": raw})
    assert (error.field, error.value) == ("total_supply", raw)
    assert error.message == "must be a decimal number"


@pytest.mark.parametrize("raw", ["1.5 million", "1,500,000", "$5", [1], {"usd": 1}])
def test_a_decimal_in_words_or_with_separators_is_rejected(raw):
    error = only_error({"raised_usd": raw})
    assert error.field == "raised_usd"
    assert error.value == raw
    assert "decimal number" in error.message


# ---- whole numbers, dates, choices, booleans ---------------------------------------------


def test_a_whole_number_is_read_from_a_number_or_a_string():
    assert values({"whitepaper_pages": "24", "team_size": 7.0}) == {
        "whitepaper_pages": 24,
        "team_size": 7,
    }


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (3.5, "must be a whole number below 10^12"),
        ("ten", "must be a whole number below 10^12"),
        (-2, "must not be negative"),
    ],
)
def test_a_count_must_be_a_whole_non_negative_number(raw, rule):
    error = only_error({"team_size": raw})
    assert (error.field, error.value, error.message) == ("team_size", raw, rule)


def test_a_date_is_an_iso_date():
    read = values({"start_date": "2026-03-01", "end_date": " 2026-03-31 "})
    assert read == {"start_date": dt.date(2026, 3, 1), "end_date": dt.date(2026, 3, 31)}


@pytest.mark.parametrize("raw", ["01.03.2026", "2026-02-30", "March 2026", 20260301])
def test_a_date_in_another_form_or_impossible_is_rejected(raw):
    error = only_error({"start_date": raw})
    assert (error.field, error.value) == ("start_date", raw)
    assert error.message == "must be an ISO date (YYYY-MM-DD)"


def test_a_choice_is_read_case_insensitively():
    read = values({"kind": "IEO", "status": "Cancelled", "kyc": "not_required"})
    assert read == {"kind": "ieo", "declared_status": "cancelled", "kyc": "not_required"}


def test_an_unknown_choice_names_the_allowed_values():
    error = only_error({"kind": "airdrop"})
    assert (error.field, error.value) == ("kind", "airdrop")
    assert error.message == "must be one of ico, ieo, ido, sto"


def test_an_unknown_refund_policy_names_the_allowed_values():
    error = only_error({"refund_policy": "sometimes"})
    assert error.message == "must be one of full, partial, none, unspecified"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(True, True), (False, False), ("yes", True), ("FALSE", False), ("1", True), (0, False)],
)
def test_a_boolean_is_read_from_json_or_csv_spellings(raw, expected):
    assert values({"whitelist": raw})["whitelist"] is expected


@pytest.mark.parametrize("raw", ["maybe", 2, 1.0, ["yes"]])
def test_anything_else_is_not_a_boolean(raw):
    error = only_error({"supply_fixed": raw})
    assert (error.field, error.value, error.message) == (
        "supply_fixed",
        raw,
        "must be true or false",
    )


def test_a_null_boolean_is_unknown_not_false():
    assert values({"roadmap": None}) == {"roadmap": None}


@pytest.mark.parametrize("raw", [["Aurora"], {"en": "Aurora"}, True])
def test_a_text_field_must_be_text(raw):
    error = only_error({"name": raw})
    assert (error.field, error.value, error.message) == ("name", raw, "must be a string")


# ---- lists ----------------------------------------------------------------------------------


def test_lists_of_strings_are_trimmed_and_country_codes_upper_cased():
    read = values({"restricted_countries": ["us", " kp ", ""], "backers": [" Granite ", "  "]})
    assert read == {"restricted_countries": ["US", "KP"], "backers": ["Granite"]}


@pytest.mark.parametrize("raw", ["US;KP", ["US", 1], {"US": True}])
def test_a_list_field_must_be_a_list_of_strings(raw):
    error = only_error({"restricted_countries": raw})
    assert (error.field, error.value) == ("restricted_countries", raw)
    assert error.message == "must be a list of strings"


# ---- nested parts and socials ---------------------------------------------------------------


def test_nested_parts_are_read_with_their_own_value_kinds():
    draft, errors = parse_record(
        {
            "allocations": [{"bucket": "Team", "percent": "15.5", "vesting_months": 24}],
            "rounds": [{"kind": "presale", "price_usd": 0.08, "start_date": "2026-01-01"}],
            "team": [{"name": "Ada Byron", "anonymous": "false", "experienced": None}],
            "audits": [{"auditor": "Bastion", "date": "2025-12-01"}],
        }
    )
    assert errors == []
    assert draft.parts["allocations"] == [
        {
            "bucket": "team",
            "percent": Decimal("15.5"),
            "vesting_months": 24,
            "cliff_months": None,
            "tge_percent": None,
            "unlock_frequency": None,
            "vesting_start": None,
            "schedule_source": None,
            "schedule_source_url": None,
        }
    ]
    assert draft.parts["rounds"][0]["price_usd"] == Decimal("0.08")
    assert draft.parts["rounds"][0]["start_date"] == dt.date(2026, 1, 1)
    assert draft.parts["team"][0]["anonymous"] is False
    assert draft.parts["team"][0]["experienced"] is None
    assert draft.parts["audits"][0]["date"] == dt.date(2025, 12, 1)


def test_a_nested_entry_with_an_unknown_key_names_where_it_is():
    error = only_error({"team": [{"name": "Ada"}, {"name": "Bo", "nickname": "b0"}]})
    assert (error.field, error.value) == ("team[1].nickname", "b0")
    assert error.message == "is not a field of team entries"


def test_a_bad_value_inside_a_nested_entry_names_its_index_and_key():
    _, errors = parse_record(
        {"allocations": [{"bucket": "founders", "percent": "ten"}], "rounds": [{"kind": "ico"}]}
    )
    assert {(e.field, e.value) for e in errors} == {
        ("allocations[0].bucket", "founders"),
        ("allocations[0].percent", "ten"),
        ("rounds[0].kind", "ico"),
    }


@pytest.mark.parametrize(
    ("raw", "field", "rule"),
    [
        ({"name": "Ada"}, "team", "must be a list of objects"),
        ("Ada; Bo", "team", "must be a list of objects"),
        (["Ada"], "team[0]", "must be an object"),
    ],
)
def test_nested_parts_must_be_a_list_of_objects(raw, field, rule):
    error = only_error({"team": raw})
    assert (error.field, error.message) == (field, rule)


def test_null_parts_mean_not_recorded():
    draft, errors = parse_record({"audits": None, "socials": None, "interchange_version": 2})
    assert errors == []
    assert draft.parts == {"audits": None}
    assert draft.socials == {}
    assert draft.checked_none == {"audits": False, "socials": False}


def test_socials_are_urls_by_network():
    draft, errors = parse_record(
        {"socials": {"twitter": " https://x.example/a ", "github": None, "discord": ""}}
    )
    assert errors == []
    assert draft.socials == {"twitter": "https://x.example/a"}


def test_a_social_on_an_unknown_network_names_the_known_ones():
    error = only_error({"socials": {"facebook": "https://fb.example/a"}})
    assert (error.field, error.value) == ("socials.facebook", "https://fb.example/a")
    assert error.message == (
        "network must be one of twitter, telegram, discord, reddit, github, medium"
    )


@pytest.mark.parametrize(
    ("raw", "field"),
    [(["https://x.example/a"], "socials"), ({"twitter": 42}, "socials.twitter")],
)
def test_socials_must_be_an_object_of_url_strings(raw, field):
    assert only_error({"socials": raw}).field == field


# ---- the record as a whole --------------------------------------------------------------


def test_an_unknown_top_level_key_is_an_error_naming_it():
    error = only_error({"name": "Aurora", "kind": "ico", "tokenomics": "fair"})
    assert (error.field, error.value) == ("tokenomics", "fair")
    assert error.message == "is not a field of interchange format v1"


def test_read_only_export_fields_are_ignored_on_import():
    draft, errors = parse_record(
        {
            "name": "Aurora",
            "score": 88,
            "grade": "B",
            "risk": "low",
            "coverage": 0.9,
            "flags": ["anonymous_team"],
            "market": {"price": 1},
            "listings": [],
        }
    )
    assert errors == []
    assert draft.values == {"name": "Aurora"}
    assert draft.parts == {}


def test_keys_absent_from_the_record_are_absent_from_the_draft():
    draft, errors = parse_record({"slug": "aurora", "raised_usd": "5"})
    assert errors == []
    assert draft.values == {"slug": "aurora", "raised_usd": Decimal("5")}
    assert draft.parts == {}
    assert draft.socials is None


def test_every_bad_value_is_reported_not_only_the_first():
    _, errors = parse_record({"kind": "x", "soft_cap": "a lot", "end_date": "soon", "extra": 1})
    assert sorted(error.field for error in errors) == ["end_date", "extra", "kind", "soft_cap"]


def test_an_error_reads_as_field_value_and_rule():
    error = only_error({"hard_cap": "a lot"})
    assert str(error) == "hard_cap='a lot': must be a decimal number such as 1500000 or 0.05"


@pytest.mark.parametrize("raw", [["name", "Aurora"], "Aurora", None])
def test_a_record_that_is_not_an_object_is_rejected(raw):
    draft, errors = parse_record(raw)
    assert draft == Draft()
    assert [(error.field, error.message) for error in errors] == [
        ("(record)", "must be a JSON object")
    ]


def test_a_later_draft_about_the_same_offering_wins_and_keeps_what_it_does_not_say():
    first, _ = parse_record(
        {"name": "Aurora", "hard_cap": "10", "socials": {"twitter": "https://x.example/a"}}
    )
    later, _ = parse_record({"hard_cap": "20", "backers": ["Granite"]})
    first.merge(later)
    assert first.values == {"name": "Aurora", "hard_cap": Decimal("20"), "backers": ["Granite"]}
    assert first.socials == {"twitter": "https://x.example/a"}


def test_a_json_number_in_a_jsonl_file_keeps_every_digit():
    line = '{"name": "A", "kind": "ico", "total_supply": 12345678.123456789012345678}\n'
    (row,) = read_jsonl(io.StringIO(line))
    draft, errors = parse_record(row.record)
    assert errors == []
    assert draft.values["total_supply"] == Decimal("12345678.123456789012345678")
