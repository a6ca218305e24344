from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from offerings.market.refresh import market_refresh
from offerings.models import Offering


class Command(BaseCommand):
    help = (
        "Refresh prices, past prices (once per coin) and listings of offerings linked to a "
        "CoinGecko coin, synchronously (the Celery tasks do the same on the beat schedule). "
        "Reports what it skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("--offering", metavar="SLUG", help="only this offering")
        only = parser.add_mutually_exclusive_group()
        only.add_argument("--prices", action="store_true", help="current prices only")
        only.add_argument(
            "--history",
            action="store_true",
            help="only the past prices of coins whose history was never loaded",
        )
        only.add_argument("--listings", action="store_true", help="listings only")

    def handle(
        self, *args, offering: str | None, prices: bool, history: bool, listings: bool, **options
    ):
        offerings = None
        if offering:
            offerings = Offering.objects.filter(slug=offering)
            found = offerings.values_list("coingecko_id", flat=True).first()
            if found is None:
                raise CommandError(f"--offering {offering!r}: no offering has this slug")
            if not found:
                raise CommandError(
                    f"--offering {offering!r}: not linked to a coin (set coingecko_id, "
                    "or propose a link with manage.py match_coins)"
                )
        report = market_refresh(offerings=offerings, prices=not listings, listings=not prices)
        for skipped in report.skipped:
            self.stdout.write(f"skipped {skipped}")
        for failure in report.failed:
            self.stderr.write(f"failed: {failure}")
        self.stdout.write(
            f"{report.coins} coins: {report.snapshots} price snapshots stored, "
            f"{report.pairs_seen} trading pairs seen, {report.delisted} pairs delisted, "
            f"{report.offerings_changed} offerings with changed market facts, "
            f"{len(report.skipped)} entries skipped, {len(report.failed)} failures"
        )
        if report.failed:
            raise CommandError("some batches failed; run again to complete them")
