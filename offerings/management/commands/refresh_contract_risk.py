"""Check the contracts of every offering with one (or of one offering) now, synchronously."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from offerings.contract_risk.chains import not_checkable
from offerings.contract_risk.refresh import batches, checkable, contracts_check
from offerings.models import Offering


class Command(BaseCommand):
    help = "Check offerings' token contracts with GoPlus, the explorer and JSON-RPC now."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--offering", metavar="SLUG", help="only this offering")

    def handle(self, *args, offering: str | None = None, **options) -> None:
        if offering:
            found = Offering.objects.filter(slug=offering).first()
            if found is None:
                raise CommandError(f"--offering={offering!r}: no offering has this slug")
            reason = not_checkable(found.chain, found.contract_address)
            if reason:
                raise CommandError(f"--offering={offering!r}: cannot be checked: {reason}")
            ids = [found.pk]
        else:
            ids = list(checkable().order_by("pk").values_list("pk", flat=True))
        totals: dict = {}
        for batch in batches(ids, 50):
            for key, value in contracts_check(offering_ids=batch).as_dict().items():
                totals[key] = totals.get(key, 0 if isinstance(value, int) else []) + value
        self.stdout.write(json.dumps(totals or {"contracts": 0}, indent=2))
