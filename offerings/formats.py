"""Files in interchange format v2: JSON Lines and CSV, read into rows and written from offerings.

CSV uses the same column names; lists of strings are joined by ';' and nested lists/objects
(team, allocations, rounds, audits, socials) are JSON in their cell. As in JSON, an empty cell
is not recorded and `[]` (or `{}` for socials) is checked, none exist (v2).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from itertools import count, islice
from typing import IO, Any

from django.conf import settings
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
from offerings.limits import MAX_NESTING
from offerings.models import Offering

FORMATS = ("jsonl", "csv")
# Characters that make a spreadsheet read a cell as a formula, and the quote that defuses them.
FORMULA_STARTS = frozenset("=+-@\t\r")
FORMULA_GUARD = "'"
# Larger files are refused before a row is read (OFFERWATCH_MAX_IMPORT_BYTES overrides it).
MAX_IMPORT_BYTES = 100 * 1024 * 1024


class UnreadableFile(Exception):
    """The file cannot be imported at all: too large, not UTF-8 text, or cut short."""

    def __init__(self, line: int, value: Any, message: str) -> None:
        super().__init__(message)
        self.line, self.value, self.message = line, value, message

    def row(self) -> SourceRow:
        return SourceRow(
            self.line, {}, errors=[FieldError("(file)", self.value, self.message)], fatal=True
        )


def checked_lines(stream: IO[str]) -> Iterator[str]:
    """The stream's lines, one at a time; raise UnreadableFile, naming the line, on a file over
    the size limit, a byte that is not UTF-8 or a NUL byte (binary data, not text)."""
    limit = getattr(settings, "OFFERWATCH_MAX_IMPORT_BYTES", MAX_IMPORT_BYTES)
    size = _size(stream)
    if size is not None and size > limit:
        raise UnreadableFile(1, size, _too_large(size, limit))
    raw = getattr(stream, "buffer", None)  # a file: decode it line by line to name the line
    read = 0
    for number in count(1):
        data = stream.readline(limit + 1 - read) if raw is None else raw.readline(limit + 1 - read)
        if not data:
            return
        read += len(data.encode() if isinstance(data, str) else data)
        if read > limit:
            raise UnreadableFile(number, f"{read:,} bytes so far", _too_large(read, limit))
        line = _decoded(data, number) if isinstance(data, bytes) else data
        if "\x00" in line:
            raise UnreadableFile(number, _shown(line), "contains a NUL byte: binary data, not text")
        yield line.removeprefix("\ufeff") if number == 1 else line


def _size(stream: IO[str]) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_size
    except (AttributeError, OSError, io.UnsupportedOperation):
        return None


def _too_large(size: int, limit: int) -> str:
    return (
        f"the file is larger than the import limit of {limit:,} bytes "
        "(OFFERWATCH_MAX_IMPORT_MB); split it into smaller files"
    )


def _decoded(data: bytes, number: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            number,
            _shown(data[max(0, exc.start - 20) : exc.start + 20]),
            f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at column {exc.start + 1}): "
            "a binary file, or text in another encoding",
        ) from None


def _shown(value: str | bytes) -> str:
    return repr(value[:40])


def read_jsonl(stream: IO[str]) -> Iterator[SourceRow]:
    lines = checked_lines(stream)
    number = 0
    while True:
        try:
            line = next(lines)
        except StopIteration:
            return
        except UnreadableFile as exc:
            yield exc.row()
            return
        number += 1
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
        except (ValueError, RecursionError) as exc:  # a number past 4,300 digits, deep nesting
            yield SourceRow(number, {}, errors=[_unreadable_json(line, exc)])
            continue
        yield SourceRow(number, record)


def _unreadable_json(text: str, exc: Exception) -> FieldError:
    reason = (
        f"nests deeper than {MAX_NESTING} levels"
        if isinstance(exc, RecursionError)
        else "has a number too long to read"
    )
    return FieldError("(line)", text.rstrip("\r\n")[:80], f"not JSON we accept: {reason}")


def read_csv(stream: IO[str]) -> Iterator[SourceRow]:
    # strict: a quote left open at the end of the file (a file cut short) is an error.
    reader = csv.DictReader(checked_lines(stream), strict=True)
    try:
        reader.fieldnames  # noqa: B018 - reads the header first, so rows are numbered from 2
    except UnreadableFile as exc:
        yield exc.row()
        return
    except csv.Error as exc:
        yield UnreadableFile(1, None, f"is not valid CSV: {exc}").row()
        return
    while True:
        starts_at = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except UnreadableFile as exc:
            yield exc.row()
            return
        except csv.Error as exc:
            yield UnreadableFile(starts_at, None, f"is not valid CSV: {exc}").row()
            return
        number = reader.line_num
        record: dict[str, Any] = {}
        errors: list[FieldError] = []
        if None in row:
            errors.append(FieldError("(line)", row.get(None), "has more cells than the header"))
        cells = sum(1 for name in reader.fieldnames or () if row.get(name) is not None)
        if cells < len(reader.fieldnames or ()):
            errors.append(
                FieldError(
                    "(line)",
                    f"{cells} cells",
                    f"has fewer cells than the header's {len(reader.fieldnames)}: "
                    "is the file cut short?",
                )
            )
        for name, cell in row.items():
            if name is None:
                continue
            record[name] = _csv_value(name, cell or "", errors)
        yield SourceRow(number, record, errors=errors)


def _csv_value(name: str, cell: str, errors: list[FieldError]) -> Any:
    cell = cell.removeprefix(FORMULA_GUARD)  # the one quote the exporter added (see _csv_cell)
    if cell.strip() == "":
        return None
    if name in LIST_FIELDS:
        if cell.strip() == "[]":
            return []
        return [part.strip() for part in cell.split(";") if part.strip()]
    if name in NESTED_FIELDS:
        try:
            return json.loads(cell)
        except json.JSONDecodeError as exc:
            errors.append(FieldError(name, cell[:80], f"must be JSON in a CSV cell: {exc.msg}"))
            return None
        except (ValueError, RecursionError) as exc:
            errors.append(_unreadable_json(cell, exc))
            return None
    return cell


# Read-only fields the layers above add to a chunk of offerings (offering id -> {field: value}),
# with a fixed number of queries per chunk: e.g. diligence.selectors.public_records_fields.
ChunkFields = Callable[[Sequence[Offering]], Mapping[int, Mapping[str, Any]]]
EXPORT_CHUNK = 1000


def export_queryset(
    queryset: QuerySet[Offering] | None = None, *, added: ChunkFields | None = None
) -> Iterator[dict[str, Any]]:
    """Interchange records for the offerings, streamed in slug order with a fixed query count
    per chunk of 1,000. The read-only assessment fields come with a queryset annotated by
    diligence.selectors.offerings_with_assessment (diligence.selectors.assessed_export); other
    read-only fields come from `added`, called once per chunk."""
    queryset = Offering.objects.all() if queryset is None else queryset
    offerings = (
        queryset
        # Joined, so the contract-risk prefetch of PREFETCH costs no query of its own.
        .select_related("venue", "contract_risk", "whitepaper_signature")
        .prefetch_related(*PREFETCH)
        .order_by("slug")
    )
    return offering_records(offerings, added=added)


def offering_records(
    offerings: QuerySet[Offering],
    *,
    chunk_size: int = EXPORT_CHUNK,
    added: ChunkFields | None = None,
) -> Iterator[dict[str, Any]]:
    """offering_record() of each offering (relations of PREFETCH prefetched per chunk by the
    iterator), plus the chunk's `added` read-only fields."""
    rows = offerings.iterator(chunk_size=chunk_size)
    while chunk := list(islice(rows, chunk_size)):
        extra = added(chunk) if added is not None else {}
        for offering in chunk:
            record = offering_record(offering)
            record.update(extra.get(offering.pk, {}))
            yield record


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
    """The CSV text of a value, made safe to open in a spreadsheet (see formula_guarded)."""
    if value is None:
        return ""
    if name in NESTED_FIELDS:
        return formula_guarded(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):  # restricted_countries, backers, flags
        return formula_guarded("[]" if name == "backers" and not value else ";".join(value))
    return formula_guarded(str(value))


def formula_guarded(cell: str) -> str:
    """OWASP's CSV-injection defence: a cell a spreadsheet would run as a formula (it starts with
    =, +, -, @, a tab or a carriage return) gets a leading single quote. A cell that already
    starts with a quote gets one too, so the importer can remove exactly one leading quote from
    every cell and give back the exported text, whatever it was."""
    if cell and (cell[0] in FORMULA_STARTS or cell[0] == FORMULA_GUARD):
        return FORMULA_GUARD + cell
    return cell


def render(records: Iterable[dict[str, Any]], fmt: str) -> str:
    """A whole export as text (small sets and tests)."""
    buffer = io.StringIO()
    (write_jsonl if fmt == "jsonl" else write_csv)(records, buffer)
    return buffer.getvalue()
