"""Files in interchange format v1: JSON Lines and CSV, read into rows and written from offerings.

CSV uses the same column names; lists of strings are joined by ';' and nested lists/objects
(team, allocations, rounds, audits, socials) are JSON in their cell.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, Any

from django.db.models import QuerySet

from offerings.importing import SourceRow
from offerings.interchange import (
    EXPORT_ORDER,
    LIST_FIELDS,
    NESTED_FIELDS,
    PREFETCH,
    FieldError,
    offering_record,
)
from offerings.models import Offering

FORMATS = ("jsonl", "csv")


def read_jsonl(stream: IO[str]) -> Iterator[SourceRow]:
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            # Decimal, not float: an amount keeps every digit it was written with.
            record = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            yield SourceRow(
                number,
                {},
                errors=[FieldError("(line)", line.rstrip("\r\n")[:80], f"not JSON: {exc.msg}")],
            )
            continue
        yield SourceRow(number, record)


def read_csv(stream: IO[str]) -> Iterator[SourceRow]:
    reader = csv.DictReader(stream)
    for row in reader:
        number = reader.line_num
        record: dict[str, Any] = {}
        errors: list[FieldError] = []
        if None in row:
            errors.append(FieldError("(line)", row.get(None), "has more cells than the header"))
        for name, cell in row.items():
            if name is None:
                continue
            record[name] = _csv_value(name, cell or "", errors)
        yield SourceRow(number, record, errors=errors)


def _csv_value(name: str, cell: str, errors: list[FieldError]) -> Any:
    if cell.strip() == "":
        return None
    if name in LIST_FIELDS:
        return [part.strip() for part in cell.split(";") if part.strip()]
    if name in NESTED_FIELDS:
        try:
            return json.loads(cell)
        except json.JSONDecodeError as exc:
            errors.append(FieldError(name, cell[:80], f"must be JSON in a CSV cell: {exc.msg}"))
            return None
    return cell


def export_queryset(queryset: QuerySet[Offering] | None = None) -> Iterator[dict[str, Any]]:
    """Interchange records for the offerings, streamed in slug order with a fixed query count
    per chunk of 1,000."""
    queryset = Offering.objects.all() if queryset is None else queryset
    offerings = (
        queryset.with_assessment()
        .select_related("venue")
        .prefetch_related(*PREFETCH)
        .order_by("slug")
    )
    for offering in offerings.iterator(chunk_size=1000):
        yield offering_record(offering)


def write_jsonl(records: Iterable[dict[str, Any]], stream: IO[str]) -> int:
    count = 0
    for record in records:
        stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def write_csv(records: Iterable[dict[str, Any]], stream: IO[str]) -> int:
    writer = csv.DictWriter(stream, fieldnames=EXPORT_ORDER, extrasaction="ignore")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({name: _csv_cell(name, record.get(name)) for name in EXPORT_ORDER})
        count += 1
    return count


def _csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in NESTED_FIELDS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):  # restricted_countries, backers, flags
        return ";".join(value)
    return str(value)


def render(records: Iterable[dict[str, Any]], fmt: str) -> str:
    """A whole export as text (small sets and tests)."""
    buffer = io.StringIO()
    (write_jsonl if fmt == "jsonl" else write_csv)(records, buffer)
    return buffer.getvalue()
