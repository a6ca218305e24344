from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from offerings.formats import read_csv, read_jsonl
from offerings.importing import offerings_import
from offerings.tord import UNMAPPED_COLUMNS, open_tord, read_tord


class Command(BaseCommand):
    help = (
        "Import offerings from a JSON Lines, CSV or TORD file. All-or-nothing unless --partial; "
        "every bad row is reported with its line, field, value and the rule it breaks."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["jsonl", "csv", "tord"], default=None)
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--partial", action="store_true", help="import the good rows, report the bad ones"
        )
        parser.add_argument("--report", type=Path, help="write the full report as JSON here")
        parser.add_argument("--no-progress", action="store_true")

    def handle(
        self, *args, file: Path, format: str | None, dry_run: bool, partial: bool, **options
    ):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        fmt = format or {".jsonl": "jsonl", ".csv": "csv"}.get(file.suffix.lower())
        if fmt is None:
            raise CommandError(f"{file}: cannot tell the format from the name; pass --format")
        with ExitStack() as open_files:
            if fmt == "tord":
                lines = open_tord(file)
                rows, total = read_tord(lines), max(len(lines) - 1, 0)
            else:
                stream = open_files.enter_context(file.open(encoding="utf-8-sig", newline=""))
                rows = read_jsonl(stream) if fmt == "jsonl" else read_csv(stream)
                total = None
            bar = tqdm(
                total=total,
                unit=" rows",
                disable=options["no_progress"],
                file=sys.stderr,
                leave=False,
            )
            report = offerings_import(
                rows=rows,
                partial=partial,
                dry_run=dry_run,
                lenient=fmt == "tord",
                change_reason=f"import {file.name}",
                progress=bar.update,
            )
            bar.close()
        for problem in report.errors:
            self.stderr.write(f"error   {problem}")
        for problem in report.warnings:
            self.stderr.write(f"warning {problem}")
        if options["report"]:
            options["report"].write_text(json.dumps(report.as_dict(), indent=2, default=str))
        if fmt == "tord":
            self.stdout.write(
                "TORD columns with no home in the model (not imported): "
                + ", ".join(UNMAPPED_COLUMNS)
            )
        summary = (
            f"{report.rows} rows read: {report.created} created, {report.updated} updated, "
            f"{report.unchanged} unchanged, "
            f"{report.bad_rows} rows with errors, {len(report.warnings)} warnings"
        )
        if report.venues_created:
            summary += f"; new venues: {', '.join(report.venues_created)}"
        if dry_run:
            self.stdout.write(f"dry run, nothing written. {summary}")
        elif not report.written:
            raise CommandError(
                f"nothing imported: {report.bad_rows} bad rows (see above; --partial imports "
                f"the good ones). {summary}"
            )
        else:
            self.stdout.write(self.style.SUCCESS(summary))
