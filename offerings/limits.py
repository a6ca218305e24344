"""Input limits: how large a number, a text, a list or a nesting may be, checked before any work.

A number is bounded by its written length and its magnitude *before* it becomes an `int` or
is formatted (`int(Decimal("1e800000"))` takes minutes); texts and lists by their length before
they are parsed, validated or scored. The model layer (validators, `clean()`) and the readers
of every way in (interchange files, TORD, the API) share these figures.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

# A number as written: "123456789.123456789012345678" fits easily; "1e800000" is short but huge.
NUMBER_MAX_CHARS = 64
# Whole numbers (counts, months, pages) are below 10^12.
INTEGER_MAX_DIGITS = 12
# Decimals (amounts, shares) are below 10^30 with at most 30 decimal places; the models are
# stricter (40 digits, 18 places) and say so with their own message.
DECIMAL_MAX_INTEGER_DIGITS = 30
DECIMAL_MAX_PLACES = 30

# Free text of an offering, in characters (CharFields are bounded by their max_length).
TEXT_MAX_CHARS = {
    "description": 20_000,
    "claims": 20_000,
    "postal_address": 1_000,
}
# Lists of an offering: the most entries a record may carry, and the longest entry.
LIST_MAX_ENTRIES = {
    "backers": 200,
    "restricted_countries": 250,
    "team": 200,
    "allocations": 50,
    "rounds": 20,
    "audits": 50,
}
LIST_ENTRY_MAX_CHARS = 200
# A record is an object of scalars, lists of strings, lists of objects of scalars and one object
# of URLs: three levels of containers. Deeper input is refused before it is walked further.
MAX_NESTING = 4
# Values quoted in error messages are cut to this many characters; a value cut once (with its
# "… (N characters)" note) fits in QUOTED_MAX_CHARS, so quoting it again changes nothing.
QUOTE_MAX_CHARS = 80
QUOTED_MAX_CHARS = QUOTE_MAX_CHARS + 30


class OutOfBounds(ValueError):
    """A value beyond an input limit; the message names the rule."""


def quoted(value: Any, limit: int = QUOTE_MAX_CHARS) -> Any:
    """The value as an error may quote it: text and containers cut to `limit` characters."""
    if value is None or isinstance(value, bool | int | float | Decimal):
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
            return f"(a {value.bit_length()}-bit number)"
        if isinstance(value, Decimal) and not _decimal_in_bounds(value):
            return "(a number too large to quote)"
        return value
    text = value if isinstance(value, str) else repr(value)
    if len(text) <= limit:
        return value
    return f"{text[:limit]}… ({len(text):,} characters)"


def _decimal_in_bounds(number: Decimal) -> bool:
    if not number.is_finite():
        return True
    exponent = number.as_tuple().exponent
    return (
        number.adjusted() < DECIMAL_MAX_INTEGER_DIGITS + 10
        and isinstance(exponent, int)
        and -exponent <= DECIMAL_MAX_PLACES + 10
    )


def _bounded_decimal(value: Any, rule: str) -> Decimal:
    """A Decimal of `value`, refusing long texts before converting; `rule` names the format."""
    if isinstance(value, int):
        if value.bit_length() > 128:
            raise OutOfBounds(f"{rule}, below 10^{DECIMAL_MAX_INTEGER_DIGITS}")
        return Decimal(value)
    text = value if isinstance(value, Decimal) else str(value).strip()
    if isinstance(text, str):
        if len(text) > NUMBER_MAX_CHARS:
            raise OutOfBounds(f"{rule}, written in at most {NUMBER_MAX_CHARS} characters")
        try:
            return Decimal(text)
        except InvalidOperation:
            raise OutOfBounds(rule) from None
    return text


def integer_bounded(value: Any) -> int:
    """A non-negative whole number below 10^12; OutOfBounds (naming the rule) otherwise."""
    rule = f"must be a whole number below 10^{INTEGER_MAX_DIGITS}"
    number = _bounded_decimal(value, rule)
    if not number.is_finite():
        raise OutOfBounds(rule)
    # adjusted() is the exponent of the leading digit: bounded before any conversion.
    if number.adjusted() >= INTEGER_MAX_DIGITS:
        raise OutOfBounds(rule)
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -NUMBER_MAX_CHARS:
        raise OutOfBounds(rule)
    if number != number.to_integral_value():
        raise OutOfBounds(rule)
    if number < 0:
        raise OutOfBounds("must not be negative")
    return int(number)


def decimal_bounded(value: Any) -> Decimal:
    """A finite Decimal below 10^30 with at most 30 decimal places; OutOfBounds otherwise."""
    rule = "must be a decimal number such as 1500000 or 0.05"
    number = _bounded_decimal(value, rule)
    if not number.is_finite():
        raise OutOfBounds("must be a finite decimal number")
    if number.adjusted() >= DECIMAL_MAX_INTEGER_DIGITS:
        raise OutOfBounds(f"must be below 10^{DECIMAL_MAX_INTEGER_DIGITS}")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > DECIMAL_MAX_PLACES:
        raise OutOfBounds(f"must have at most {DECIMAL_MAX_PLACES} decimal places")
    return number


def nesting_depth_check(value: Any, limit: int = MAX_NESTING) -> None:
    """Raise OutOfBounds if containers nest deeper than `limit`; iterative, so no recursion."""
    stack = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict | list):
            if depth > limit:
                raise OutOfBounds(f"nests objects and lists deeper than {limit} levels")
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def text_storable(text: str) -> str | None:
    """Why `text` cannot be stored (a NUL, or a lone surrogate that is not Unicode), or None."""
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "must be Unicode text (it has a lone surrogate such as \\ud800)"
    return None
