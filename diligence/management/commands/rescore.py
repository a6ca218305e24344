from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from diligence.rescoring import assessments_refresh
from offerings.models import Offering


class Command(BaseCommand):
    help = (
        "Rescore offerings whose findings changed (facts, time or methodology); "
        "--all writes a new assessment for every offering."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", dest="force")
        parser.add_argument("--offering", action="append", metavar="SLUG", help="only these")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="rescore in this many processes at once (PostgreSQL; e.g. one per core)",
        )

    def handle(self, *args, force: bool, offering: list[str] | None, processes: int, **options):
        offerings = Offering.objects.all()
        if offering:
            offerings = offerings.filter(slug__in=offering)
        bar = tqdm(
            total=offerings.count(),
            unit=" offerings",
            disable=options["no_progress"],
            file=sys.stderr,
            leave=False,
        )
        report = assessments_refresh(
            offerings=offerings, force=force, progress=bar.update, processes=processes
        )
        bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.offerings} offerings: {report.assessed} new assessments, "
                f"{report.unchanged} unchanged, {report.stale_reviews} reviews need re-review"
            )
        )
