"""manage.py import_regulator_list --format cftc-red|csv FILE: import a regulator's list."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records.importing import public_records_import
from records.models import ListImport
from records.regulator_lists import CFTC_RED_URL, ListError, cftc_red_entries, csv_entries


class Command(BaseCommand):
    help = (
        "Import a regulator's warning list: the CFTC RED list (its HTML page or a CSV of its "
        "table) or any list in the CSV layout authority,kind,date,title,names,tokens,domains,"
        "url. All or nothing; matches to offerings are proposed for an analyst to decide."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=["cftc-red", "csv"], required=True)
        parser.add_argument(
            "--url", default=CFTC_RED_URL, help="Where the RED list was published (cftc-red)."
        )

    def handle(self, *args, file: Path, format: str, url: str, **options) -> None:
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        try:
            if format == "cftc-red":
                entries = cftc_red_entries(content, page_url=url)
                source = ListImport.Source.CFTC_RED
            else:
                entries = csv_entries(content)
                source = ListImport.Source.REGULATOR_CSV
        except ListError as exc:
            raise CommandError(f"{file}: {exc}; nothing imported") from None
        report = public_records_import(
            entries=entries, source=source, origin=file.name, content=content
        )
        self.stdout.write(
            f"{report.entries} records from {file.name} ({report.created} new, "
            f"{report.updated} updated); {report.proposed} matches proposed for review"
        )
