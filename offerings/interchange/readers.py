"""Interchange values: the readers that turn a raw JSON or CSV value into a Python value
(None for unknown), and the errors they report, each naming the field, the value and the rule."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from offerings.limits import (
    OutOfBounds,
    decimal_bounded,
    integer_bounded,
    quoted,
    text_storable,
)


@dataclass(frozen=True)
class FieldError:
    field: str
    value: Any
    message: str
    # The source line, when it is not the line of the row carrying the error (merged rows).
    row: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", quoted(self.value))

    def __str__(self) -> str:
        return f"{self.field}={self.value!r}: {self.message}"


class BadValue(ValueError):
    """A value that cannot be read as its field's type; the message names the rule."""


def read_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise BadValue("must be a string")
    if isinstance(value, str) and (problem := text_storable(value)):
        raise BadValue(problem)
    return str(value).strip()


def read_choice(options: type) -> Callable[[Any], str | None]:
    allowed = [choice.value for choice in options]

    def read(value: Any) -> str | None:
        text = read_text(value)
        if text in (None, ""):
            return None
        if text.lower() not in allowed:
            raise BadValue(f"must be one of {', '.join(allowed)}")
        return text.lower()

    return read


def read_integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue("must be a whole number")
    try:
        return integer_bounded(value)
    except OutOfBounds as exc:
        raise BadValue(str(exc)) from None


def read_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue("must be a decimal number")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadValue("must be a finite decimal number")
    if isinstance(value, float):
        value = str(value)  # its shortest repr, not its binary expansion
    try:
        number = decimal_bounded(value)
    except OutOfBounds as exc:
        raise BadValue(str(exc)) from None
    if number < 0:
        raise BadValue("must not be negative")
    return number


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def read_boolean(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str | int) and str(value).strip().lower() in _TRUE | _FALSE:
        return str(value).strip().lower() in _TRUE
    raise BadValue("must be true or false")


def read_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadValue("must be an ISO date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadValue("must be an ISO date (YYYY-MM-DD)") from None


def read_string_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise BadValue("must be a list of strings")
    for entry in value:
        if problem := text_storable(entry):
            raise BadValue(f"has an entry that {problem.removeprefix('must ')}")
    return [entry.strip() for entry in value if entry.strip()]


def read_country_list(value: Any) -> list[str] | None:
    codes = read_string_list(value)
    return None if codes is None else [code.upper() for code in codes]


def read_country(value: Any) -> str | None:
    text = read_text(value)
    return text.upper() if text else text
