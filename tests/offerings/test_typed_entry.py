"""Amounts and lists as staff type them (offerings.amounts, offerings.lists)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from offerings.admin.fields import AmountField
from offerings.amounts import AmbiguousAmount, amount_from_typed, amount_shown
from offerings.lists import countries_from_lines, names_from_lines, socials_from_lines


@pytest.mark.parametrize(
    "typed", ["20,000,000", "20000000", "2e7", "20 000 000", "20\u00a0000\u00a0000", " 2E7 "]
)
def test_every_usual_spelling_of_an_amount_reads_the_same(typed):
    assert AmountField(name="hard_cap").clean(typed) == Decimal("20000000")


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("1,5", "could be a decimal point"),
        ("1,5000", "could be a decimal point"),
        ("1.234.567", "more than one '.'"),
        ("1,23,456", "separators out of place"),
        ("20 00 000", "separators out of place"),
        ("twenty", "must be a number"),
        ("-5", "must be a number"),
    ],
)
def test_an_amount_that_could_be_read_two_ways_is_refused_not_guessed(typed, rule):
    with pytest.raises(AmbiguousAmount, match=rule):
        amount_from_typed(typed)


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("1e30", "must be below 10^30"),
        ("1e25", "must be below 10^22"),
        ("0.0000000000000000001", "at most 18 decimal places"),
        ("1,5", "could be a decimal point"),
    ],
)
def test_the_form_error_names_the_field_the_value_and_the_rule(typed, rule):
    with pytest.raises(ValidationError) as caught:
        AmountField(name="hard_cap").clean(typed)
    message = caught.value.messages[0]
    assert message.startswith(f"hard_cap ({typed!r})")
    assert rule in message


def test_an_empty_amount_is_unknown_and_zero_is_kept():
    field = AmountField(name="soft_cap", required=False)
    assert field.clean("") is None
    assert field.clean("  ") is None
    assert field.clean("0") == Decimal(0)
    assert field.clean("0.05") == Decimal("0.05")


def test_amounts_are_shown_with_separators_currency_and_the_meaning_of_zero():
    assert amount_shown(Decimal("20000000.000000000000000000"), "USD") == "20,000,000 USD"
    assert amount_shown(Decimal("0.0500"), "USD") == "0.05 USD"
    assert amount_shown(Decimal(0), "USD", zero_means_none=True) == "none (stated)"
    assert amount_shown(Decimal(0), "USD") == "0 USD"
    assert amount_shown(None, "USD", zero_means_none=True) == "—"


def test_the_amount_input_shows_a_stored_amount_readably():
    widget = AmountField(name="hard_cap").widget
    assert widget.format_value(Decimal("20000000.000000000000000000")) == "20,000,000"


def test_countries_are_read_from_codes_and_names_one_per_line_or_comma_separated():
    typed = "United States\nch, Swiss Confederation\n\nNorth Korea; KP\nUK"
    assert countries_from_lines("restricted_countries", typed) == ["US", "CH", "KP", "GB"]
    with pytest.raises(ValidationError, match=r"restricted_countries \('Atlantis'\): not"):
        countries_from_lines("restricted_countries", "US\nAtlantis")


def test_names_one_per_line_keep_unknown_apart_from_a_list():
    assert names_from_lines("backers", "") is None
    assert names_from_lines("backers", " Granite \n\nNorthwind\nGranite") == [
        "Granite",
        "Northwind",
    ]
    with pytest.raises(ValidationError, match=r"backers line 1 .* over 200 characters"):
        names_from_lines("backers", "x" * 201)


def test_social_links_take_their_network_from_the_address_or_the_line():
    typed = "https://t.me/kestrel\nx.com/kestrelpay\ngithub https://code.example/kestrel"
    assert socials_from_lines("socials", typed) == {
        "telegram": "https://t.me/kestrel",
        "twitter": "https://x.com/kestrelpay",
        "github": "https://code.example/kestrel",
    }
    with pytest.raises(ValidationError, match=r"cannot tell the network from .kestrel\.example."):
        socials_from_lines("socials", "https://kestrel.example/")
    with pytest.raises(ValidationError, match="a second telegram link"):
        socials_from_lines("socials", "https://t.me/a\ntelegram https://t.me/b")
