from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from diligence.selectors import assessed_export
from offerings.formats import write_csv, write_jsonl


class Command(BaseCommand):
    # Here, not in offerings: the export carries each offering's current assessment (read-only).
    help = "Export every offering in interchange format v2 (re-imports unchanged)."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument("--output", type=Path, help="file to write (default: standard output)")

    def handle(self, *args, format: str, output: Path | None, **options):
        write = write_jsonl if format == "jsonl" else write_csv
        if output is None:
            self.stdout.ending = ""
            count = write(assessed_export(), self.stdout)
        else:
            with output.open("w", encoding="utf-8", newline="") as stream:
                count = write(assessed_export(), stream)
        sys.stderr.write(f"{count} offerings exported\n")
