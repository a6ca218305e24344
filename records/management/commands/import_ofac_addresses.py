"""manage.py import_ofac_addresses FILE: OFAC's sanctioned digital-currency addresses."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records.ofac import SdnError, ofac_addresses_import


class Command(BaseCommand):
    help = (
        "Replace the sanctioned digital-currency addresses with those of an OFAC SDN file "
        "(SDN.XML or sdn.csv). All or nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, **options) -> None:
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}") from None
        try:
            imported = ofac_addresses_import(content=content, origin=file.name)
        except SdnError as exc:
            raise CommandError(f"{file}: {exc}; nothing imported") from None
        self.stdout.write(
            f"{imported.entries} sanctioned addresses from {file.name} "
            f"({imported.created} not listed before)"
        )
