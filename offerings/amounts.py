"""Canonical text for exact decimal amounts."""

from __future__ import annotations

from decimal import Decimal


def canonical(amount: Decimal) -> str:
    """Plain notation without trailing zeros: Decimal('5000.000') -> '5000'."""
    text = format(amount.normalize(), "f")
    return "0" if text in {"-0", ""} else text


def readable(amount: Decimal) -> str:
    """Thousands separators for messages: Decimal('5000.000') -> '5,000'."""
    return format(amount.normalize(), ",f")
