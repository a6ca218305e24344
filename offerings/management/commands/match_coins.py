from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from offerings.market.matching import coin_matches_propose
from offerings.models import Offering
from offerings.resilience import ProviderError


class Command(BaseCommand):
    help = (
        "Propose CoinGecko coins for offerings without a coingecko_id: by contract address, "
        "then by symbol and name. Proposals wait for an analyst's confirmation in the admin "
        "(Offerings › Coin matches); nothing is linked by this command."
    )

    def add_arguments(self, parser):
        parser.add_argument("--offering", metavar="SLUG", help="only this offering")

    def handle(self, *args, offering: str | None, **options):
        offerings = Offering.objects.filter(slug=offering) if offering else None
        if offering and not offerings.exists():
            raise CommandError(f"--offering {offering!r}: no offering has this slug")
        try:
            report = coin_matches_propose(offerings=offerings)
        except ProviderError as exc:
            raise CommandError(f"the coin list could not be fetched: {exc}") from None
        self.stdout.write(
            f"{report.offerings} unlinked offerings: {report.by_contract} matched by contract "
            f"address, {report.by_symbol_name} by symbol and name, {report.unmatched} unmatched; "
            f"{report.proposed} new proposals to confirm in the admin (Coin matches)"
        )
