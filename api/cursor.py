"""Keyset (cursor) pagination over any `order_by()`: no COUNT(*), no OFFSET, stable pages.

The cursor is the last row's values of every ordering expression (the final one unique, the
id), base64url-encoded JSON. The next page is the rows strictly after it in that order, with
NULLs placed as the ordering places them (nulls last unless the ordering says otherwise).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import DecimalValidator
from django.db import connections
from django.db.models import DecimalField, F, Field, OrderBy, Q, QuerySet

from api.problems import Problem

# A cursor holds a few values; a longer one was not issued here.
CURSOR_MAX_CHARS = 1_000


@dataclass(frozen=True)
class Key:
    alias: str
    descending: bool
    nulls_last: bool


def _keys(queryset: QuerySet) -> tuple[QuerySet, list[Key]]:
    """Annotate each ordering expression as _k<i> and order by those annotations."""
    annotations, keys, ordering = {}, [], []
    nulls_default_last = connections[queryset.db].vendor == "postgresql"
    for index, item in enumerate(queryset.query.order_by):
        alias = f"_k{index}"
        if isinstance(item, str):
            descending = item.startswith("-")
            expression = F(item.removeprefix("-"))
            # The database's default placement: PostgreSQL puts NULLs last ascending.
            nulls_last = nulls_default_last != descending
        elif isinstance(item, OrderBy):
            expression, descending = item.expression, item.descending
            nulls_last = bool(item.nulls_last) or (
                not item.nulls_first and nulls_default_last != descending
            )
        else:
            raise TypeError(f"cannot page by {item!r}")
        annotations[alias] = expression
        keys.append(Key(alias, descending, nulls_last))
        order = F(alias).desc if descending else F(alias).asc
        ordering.append(order(nulls_last=True) if nulls_last else order(nulls_first=True))
    return queryset.annotate(**annotations).order_by(*ordering), keys


def _after(keys: list[Key], values: list[Any]) -> Q:
    """Rows strictly after `values` in the keyset order."""
    condition = Q(pk__in=[])
    equal = Q()
    for key, value in zip(keys, values, strict=True):
        if value is None:
            # After a NULL come only NULLs when they sort last, and every value when first.
            beyond = Q(pk__in=[]) if key.nulls_last else Q(**{f"{key.alias}__isnull": False})
            same = Q(**{f"{key.alias}__isnull": True})
        else:
            lookup = "lt" if key.descending else "gt"
            beyond = Q(**{f"{key.alias}__{lookup}": value})
            if key.nulls_last:
                beyond |= Q(**{f"{key.alias}__isnull": True})
            same = Q(**{key.alias: value})
        condition |= equal & beyond
        equal &= same
    return condition


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def cursor_encode(values: list[Any]) -> str:
    raw = json.dumps([_plain(value) for value in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def cursor_decode(cursor: str, size: int, fields: list[Field] | None = None) -> list[Any]:
    """The values a cursor carries, each read as its ordering expression's field type (so a
    forged cursor can hold nothing the database would choke on); a 400 problem otherwise."""
    values = None
    if len(cursor) <= CURSOR_MAX_CHARS:
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            values = json.loads(raw)
        except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
            values = None
    if isinstance(values, list) and len(values) == size and fields is not None:
        values = _typed(values, fields)
    if not isinstance(values, list) or len(values) != size or values[-1] is None:
        raise Problem(
            "the cursor is not one this endpoint issued",
            code="validation",
            errors=[
                {
                    "field": "cursor",
                    "value": cursor[:100],
                    "rule": "must be a `next` cursor from a previous page with the same ordering",
                }
            ],
        )
    return values


def _typed(values: list[Any], fields: list[Field]) -> list[Any] | None:
    typed = []
    for value, field in zip(values, fields, strict=True):
        if value is None:
            typed.append(None)
            continue
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            return None
        try:
            value = field.to_python(value)
            if isinstance(field, DecimalField):
                DecimalValidator(field.max_digits, field.decimal_places)(value)
        except (ValidationError, TypeError, ValueError, ArithmeticError):
            return None
        typed.append(value)
    return typed


@dataclass(frozen=True)
class PageQuery:
    """The query of one page: `size` + 1 rows after the cursor (the extra row says whether a
    next page exists), and the ordering keys its cursor is made of."""

    queryset: QuerySet
    keys: list[Key]
    size: int


def page_query(queryset: QuerySet, *, size: int, cursor: str | None) -> PageQuery:
    """The query of the page of `size` rows after `cursor`; a 400 problem for a bad cursor."""
    queryset, keys = _keys(queryset)
    if cursor:
        fields = [queryset.query.annotations[key.alias].output_field for key in keys]
        queryset = queryset.filter(_after(keys, cursor_decode(cursor, len(keys), fields)))
    return PageQuery(queryset[: size + 1], keys, size)


def page_rows(query: PageQuery) -> tuple[list, str | None]:
    """The page's rows and the cursor of the page after it (or None)."""
    rows = list(query.queryset)
    if len(rows) <= query.size:
        return rows, None
    rows = rows[: query.size]
    last = rows[-1]
    return rows, cursor_encode([getattr(last, key.alias) for key in query.keys])


def page_fetch(queryset: QuerySet, *, size: int, cursor: str | None) -> tuple[list, str | None]:
    """The page of `size` rows after `cursor` and the cursor of the page after it (or None)."""
    return page_rows(page_query(queryset, size=size, cursor=cursor))
