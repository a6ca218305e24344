"""Files that cannot be imported at all: too large, binary, cut short. The readers turn each
into one error naming the line, and the importer then writes nothing, even with `partial`."""

from __future__ import annotations

import io
import json

import pytest

from offerings.formats import checked_lines, read_csv, read_jsonl, render
from offerings.importing import SourceRow, offerings_import
from offerings.models import Offering

pytestmark = pytest.mark.django_db


def record(n: int) -> dict:
    return {"name": f"Borealis {n}", "slug": f"borealis-{n}", "symbol": f"BOR{n}", "kind": "ico"}


def csv_text(count: int) -> str:
    return render([record(n) for n in range(count)], "csv")


def only_problem(rows: list[SourceRow]) -> tuple[int, str, str]:
    (row,) = [row for row in rows if row.errors]
    (error,) = row.errors
    return row.number, error.field, error.message


def test_a_file_over_the_size_limit_is_refused_before_a_row_is_read(tmp_path, settings):
    settings.OFFERWATCH_MAX_IMPORT_BYTES = 1000
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps(record(n)) + "\n" for n in range(100)))
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(read_jsonl(stream))
    assert len(rows) == 1 and rows[0].fatal
    assert only_problem(rows)[:2] == (1, "(file)")
    assert "larger than the import limit of 1,000 bytes" in only_problem(rows)[2]


def test_a_stream_of_unknown_size_is_cut_off_at_the_line_that_crosses_the_limit(settings):
    settings.OFFERWATCH_MAX_IMPORT_BYTES = 1000
    line = json.dumps(record(1)) + "\n"
    rows = list(read_jsonl(io.StringIO(line * 100)))
    number, _, message = only_problem(rows)
    assert number == 1000 // len(line) + 1
    assert rows[-1].fatal and "larger than the import limit" in message


def test_a_binary_file_is_named_as_not_utf8_at_its_first_line(tmp_path):
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(read_csv(stream))
    number, field, message = only_problem(rows)
    assert (number, field) == (1, "(file)")
    assert "is not UTF-8 text (byte 0x89 at column 1)" in message


def test_a_bad_byte_further_down_is_named_with_its_own_line(tmp_path):
    path = tmp_path / "offerings.csv"
    path.write_bytes(csv_text(5).encode() + b"caf\xe9,,,\n")
    with path.open(encoding="utf-8-sig", newline="") as stream:
        rows = list(read_csv(stream))
    assert only_problem(rows)[0] == 7  # header, five offerings, then the bad line


def test_nul_bytes_are_binary_data_even_when_they_decode():
    rows = list(read_csv(io.StringIO("name,slug\n\x00\x00\x00\n")))
    number, _, message = only_problem(rows)
    assert number == 2 and "NUL byte" in message


def test_a_csv_cut_inside_a_quoted_cell_is_an_error_not_a_shorter_value():
    text = csv_text(3).rstrip("\n") + '\n"Borealis 9,borealis-9'
    rows = list(read_csv(io.StringIO(text)))
    number, _, message = only_problem(rows)
    assert number == 5
    assert "is not valid CSV: unexpected end of data" in message


def test_a_csv_row_with_fewer_cells_than_the_header_is_an_error():
    text = csv_text(3)
    text += text.splitlines()[1].split(",")[0] + ",borealis-x\n"
    rows = list(read_csv(io.StringIO(text)))
    number, field, message = only_problem(rows)
    assert (number, field) == (5, "(line)")
    assert "fewer cells than the header" in message


def test_a_utf8_byte_order_mark_is_not_part_of_the_first_column(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + csv_text(1).encode())
    with path.open(encoding="utf-8-sig", newline="") as stream:
        (row,) = read_csv(stream)
    assert not row.errors and row.record["name"] == "Borealis 0"


def test_lines_are_read_one_at_a_time():
    lines = checked_lines(io.StringIO("a\nb\n"))
    assert next(lines) == "a\n"


def test_an_unreadable_file_writes_nothing_even_with_partial(settings):
    settings.OFFERWATCH_MAX_IMPORT_BYTES = 1000
    text = "".join(json.dumps(record(n)) + "\n" for n in range(100))
    report = offerings_import(rows=read_jsonl(io.StringIO(text)), partial=True)
    assert report.unreadable and not report.written
    assert Offering.objects.count() == 0


def test_a_broken_json_line_in_the_middle_is_named_and_nothing_is_written():
    lines = [json.dumps(record(n)) for n in range(5)]
    lines[2] = lines[2][:30]
    report = offerings_import(rows=read_jsonl(io.StringIO("\n".join(lines) + "\n")))
    assert [(p.row, p.field) for p in report.errors] == [(3, "(line)")]
    assert "not JSON" in report.errors[0].message
    assert not report.written and Offering.objects.count() == 0
