"""manage.py match_records [--offering SLUG]: propose regulators' records for offerings."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from offerings.models import Offering
from records.matching import record_matches_propose


class Command(BaseCommand):
    help = (
        "Propose links between every public record and the offerings (all, or one): for "
        "offerings added since the lists were imported. Decided pairs are left as they are."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--offering", metavar="SLUG")

    def handle(self, *args, offering: str | None, **options) -> None:
        offerings = Offering.objects.all()
        if offering:
            offerings = offerings.filter(slug=offering)
            if not offerings.exists():
                raise CommandError(f"--offering {offering!r}: no such offering")
        report = record_matches_propose(offerings=offerings)
        self.stdout.write(
            f"{report.records} records against {report.offerings} offerings: "
            f"{report.proposed} new proposals for review"
        )
