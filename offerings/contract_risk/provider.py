"""What any contract-risk provider answers, in our terms: per address, the facts it stated
(absent means it could not say, never "safe"), its raw payload and when it answered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from offerings.market.provider import BadNumber, decimal_or_none

ZERO_ADDRESS = "0x" + "0" * 40
# Tokens sent here can never move again: the conventional burn addresses.
BURN_ADDRESSES = frozenset({ZERO_ADDRESS, "0x000000000000000000000000000000000000dead"})


@dataclass
class Observation:
    """One provider's answer about one contract. `facts` holds JSON-safe values only:
    booleans, lower-case addresses ("" for none), decimals as strings, holder lists."""

    provider: str
    fetched_at: dt.datetime
    facts: dict[str, Any] = field(default_factory=dict)
    raw: Any = None
    error: str = ""


class ContractProvider(Protocol):
    source: str

    def observe(self, chain_id: int, addresses: list[str]) -> dict[str, Observation]:
        """An observation of every address (lower case), errors included, never raising."""

    def close(self) -> None: ...


def flag(value: Any) -> bool | None:
    """GoPlus flags: "1"/1 → True, "0"/0 → False; null, "" or anything else → unknown."""
    if isinstance(value, bool):
        return None
    if value in ("1", 1):
        return True
    if value in ("0", 0):
        return False
    return None


def fraction(value: Any) -> str | None:
    """A share of one (a tax, a holder's percent) as a canonical decimal string, or None."""
    try:
        number = decimal_or_none(value)
    except BadNumber:
        return None
    if number is None or number > 1:
        return None
    return format(number.normalize(), "f")


def address(value: Any) -> str | None:
    """A 0x address in lower case; "" stays "" (checked, none); anything else is unknown."""
    if value == "":
        return ""
    if isinstance(value, str) and len(value) == 42 and value.startswith("0x"):
        try:
            int(value[2:], 16)
        except ValueError:
            return None
        return value.lower()
    return None


def word_address(word: Any) -> str | None:
    """The address in the low 20 bytes of a 32-byte hex word (a storage slot, a return value)."""
    if not isinstance(word, str) or not word.startswith("0x"):
        return None
    digits = word[2:]
    if not digits or len(digits) > 64:
        return None
    try:
        int(digits, 16)
    except ValueError:
        return None
    return "0x" + digits.rjust(64, "0")[-40:].lower()


def share(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
