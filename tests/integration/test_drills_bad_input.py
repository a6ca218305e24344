"""Drill: files on disk that `manage.py import_offerings` cannot import. Each fails with a
clear error naming the line, promptly and without reading a large file into memory, and
nothing is written."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from offerings.formats import render
from offerings.models import Offering

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024


def record(n: int) -> dict:
    return {"name": f"Drill {n}", "slug": f"drill-{n}", "symbol": f"DR{n}", "kind": "ico"}


def import_fails(path: Path, *options: str) -> str:
    """Run the import, which must fail; return what it told the operator."""
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_offerings", str(path), "--no-progress", *options, stderr=err, stdout=err
        )
    assert Offering.objects.count() == 0
    return f"{err.getvalue()}\n{failure.value}"


def test_a_truncated_csv_names_the_line_where_it_was_cut(tmp_path):
    text = render([record(n) for n in range(50)], "csv")
    path = tmp_path / "offerings.csv"
    path.write_text(text[: text.index("drill-40")])  # cut in the middle of line 42
    told = import_fails(path)
    assert "line 42: (line)=" in told and "fewer cells than the header" in told


def test_a_binary_csv_is_named_as_binary_at_line_one(tmp_path):
    path = tmp_path / "offerings.csv"
    path.write_bytes(b"PK\x03\x04\x14\x00\x06\x00" + os.urandom(64 * 1024))  # a zip, renamed
    told = import_fails(path, "--partial")
    # Line 1 is refused as binary either way: as not UTF-8 or, when a random 0x0a ends it right
    # after the header (1 run in 256), for the header's NUL bytes.
    assert "line 1: (file)=" in told
    assert "is not UTF-8 text" in told or "contains a NUL byte: binary data" in told


def test_a_200_mb_file_is_refused_at_once_by_size(tmp_path):
    path = tmp_path / "huge.jsonl"
    block = "".join(json.dumps(record(n)) + "\n" for n in range(10_000)).encode()
    with path.open("wb") as stream:  # written block by block, never held whole
        while stream.tell() < 200 * MB:
            stream.write(block)
    started = time.monotonic()
    told = import_fails(path)
    assert time.monotonic() - started < 5
    assert "line 1: (file)=" in told and "larger than the import limit" in told


def test_a_sparse_200_mb_file_is_refused_too(tmp_path):
    path = tmp_path / "sparse.csv"
    with path.open("wb") as stream:
        stream.truncate(200 * MB)  # a hole: no disk used, reads as NUL bytes
    assert "larger than the import limit" in import_fails(path)


def test_a_json_lines_file_with_a_broken_line_in_the_middle_names_it(tmp_path):
    lines = [json.dumps(record(n)) for n in range(1000)]
    lines[499] = lines[499][:-7]  # a line cut short, as by a failed copy
    path = tmp_path / "offerings.jsonl"
    path.write_text("\n".join(lines) + "\n")
    told = import_fails(path)
    assert "line 500: (line)=" in told and "not JSON" in told
    assert "line 499" not in told and "line 501" not in told
