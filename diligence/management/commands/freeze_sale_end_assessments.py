from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from diligence.sale_end import freeze_candidates, sale_end_assessments_freeze


class Command(BaseCommand):
    help = (
        "Freeze the as-of-sale-end assessment of every offering whose sale ended and has none "
        "yet: the facts as of the day after the sale's end, without market data. Safe to rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        bar = tqdm(
            total=freeze_candidates().count(),
            unit=" offerings",
            disable=options["no_progress"],
        )
        with bar:
            report = sale_end_assessments_freeze(progress=bar.update)
        self.stdout.write(f"{report.frozen} as-of-sale-end assessments frozen")
