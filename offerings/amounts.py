"""Canonical text for exact decimal amounts."""

from __future__ import annotations

import re
from decimal import Context, Decimal

# normalize() rounds to its context's precision; the models allow 40 digits, so allow more.
EXACT = Context(prec=60)


def canonical(amount: Decimal) -> str:
    """Plain notation without trailing zeros: Decimal('5000.000') -> '5000'."""
    text = format(amount.normalize(EXACT), "f")
    return "0" if text in {"-0", ""} else text


def readable(amount: Decimal) -> str:
    """Thousands separators for messages: Decimal('5000.000') -> '5,000'."""
    return format(amount.normalize(EXACT), ",f")


_PLAIN = re.compile(r"^\d+(\.\d+)?([eE][+-]?\d+)?$|^\.\d+$")
_COMMA_GROUPED = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_SPACE_GROUPED = re.compile(r"^\d{1,3}( \d{3})+(\.\d+)?$")


class AmbiguousAmount(ValueError):
    """Typed text that is not one amount we can read without guessing; the message says why."""


def amount_from_typed(text: str) -> str:
    """The plain notation of an amount as staff type it: '20,000,000', '20000000', '2e7' and
    '20 000 000' all give '20000000'. Commas and spaces are thousands separators only in groups
    of three; anything a reader could take two ways ('1,5', '1.234.567', '1,23,456') is refused
    rather than guessed. Bounds and sign are the interchange readers' to check."""
    typed = text.strip()
    spaced = re.sub(r"[\u00a0\u202f\u2009]", " ", typed)
    if _SPACE_GROUPED.match(spaced):
        return spaced.replace(" ", "")
    if _COMMA_GROUPED.match(typed):
        return typed.replace(",", "")
    if _PLAIN.match(typed):
        return typed
    if re.match(r"^\d+,\d{1,2}$", typed) or re.match(r"^\d+,\d{4,}$", typed):
        raise AmbiguousAmount(
            "has a comma that could be a decimal point; write 1.5 for one and a half and "
            "1,500 (groups of three) for fifteen hundred"
        )
    if typed.count(".") > 1:
        raise AmbiguousAmount(
            "has more than one '.'; use ',' or spaces between thousands and '.' for decimals"
        )
    if re.search(r"[\d.][, ]", typed) or "," in typed:
        raise AmbiguousAmount(
            "has separators out of place; group thousands by three (20,000,000 or 20 000 000)"
        )
    raise AmbiguousAmount("must be a number such as 20,000,000, 20000000, 2e7 or 20 000 000")


def amount_shown(
    amount: Decimal | None, currency: str = "", *, zero_means_none: bool = False
) -> str:
    """An amount as people read it: '20,000,000 USD'; '—' when unknown, and 'none (stated)'
    for a 0 that records the sale states it has none (caps)."""
    if amount is None:
        return "—"
    if zero_means_none and amount == 0:
        return "none (stated)"
    text = readable(amount)
    return f"{text} {currency}" if currency else text
