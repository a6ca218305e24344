from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from diligence.whitepaper_intake import offerings_with_whitepaper_url, whitepaper_fetch


class Command(BaseCommand):
    help = (
        "Fetch each offering's whitepaper_url now (PDF or HTML, through the SSRF guard), store "
        "it when new or changed and check it for copied passages; --offering SLUG for one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--offering", metavar="SLUG", help="only this offering")

    def handle(self, *args, offering: str | None, **options):
        ids = list(offerings_with_whitepaper_url(offering).values_list("pk", flat=True))
        if offering and not ids:
            raise CommandError(f"offering {offering!r}: no such offering with a whitepaper_url")
        counts: dict[str, int] = {}
        for offering_id in ids:
            result = whitepaper_fetch(offering_id=offering_id)
            counts[result.outcome] = counts.get(result.outcome, 0) + 1
            if result.outcome in ("refused", "failed"):
                self.stderr.write(f"offering {offering_id}: {result.outcome}: {result.detail}")
        summary = ", ".join(f"{count} {outcome}" for outcome, count in sorted(counts.items()))
        self.stdout.write(self.style.SUCCESS(f"{len(ids)} whitepapers: {summary or 'none'}"))
