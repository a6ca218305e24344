from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from offerings.models import Offering
from offerings.whitepapers.copies import whitepapers_recompare


class Command(BaseCommand):
    help = (
        "Compare the indexed whitepapers again for copied passages, as if indexed today: after "
        "sale dates changed or a passage became common boilerplate. --offering SLUG limits it "
        "to that offering's whitepaper and those recorded as copying it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--offering", metavar="SLUG", help="only this offering")

    def handle(self, *args, offering: str | None, **options):
        ids = None
        if offering:
            ids = list(Offering.objects.filter(slug=offering).values_list("pk", flat=True))
            if not ids:
                raise CommandError(f"offering {offering!r}: no such offering")
        report = whitepapers_recompare(offering_ids=ids)
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.whitepapers} whitepapers compared: {report.matches} copies recorded, "
                f"{len(report.offering_ids)} offerings to rescore"
            )
        )
