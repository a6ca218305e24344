"""Canonical text for exact decimal amounts."""

from __future__ import annotations

from decimal import Context, Decimal

# normalize() rounds to its context's precision; the models allow 40 digits, so allow more.
_EXACT = Context(prec=60)


def canonical(amount: Decimal) -> str:
    """Plain notation without trailing zeros: Decimal('5000.000') -> '5000'."""
    text = format(amount.normalize(_EXACT), "f")
    return "0" if text in {"-0", ""} else text


def readable(amount: Decimal) -> str:
    """Thousands separators for messages: Decimal('5000.000') -> '5,000'."""
    return format(amount.normalize(_EXACT), ",f")
