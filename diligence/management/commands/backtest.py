from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from django.core.exceptions import FieldDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from diligence.backtest import backtest, labels_from_field, labels_from_file, report_lines
from diligence.track_record import scoreboard, scoreboard_lines


class Command(BaseCommand):
    help = (
        "Check the current scores against an outcome: AUC, precision at k and each rule's "
        "lift. --label is an offering field (1 where filled) or a CSV file (slug,label, or a "
        "TORD file whose Coinmarketcap_identifier marks a listed token). --live instead checks "
        "the frozen as-of-sale-end scores against the outcomes recorded since (the track record)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--label", metavar="FIELD_OR_FILE")
        parser.add_argument(
            "--live",
            action="store_true",
            help="the track record: frozen as-of-sale-end scores against recorded outcomes",
        )
        parser.add_argument("--json", type=Path, help="also write the figures as JSON here")

    def handle(self, *args, label: str | None, live: bool, **options):
        if live == bool(label):
            raise CommandError("give either --label FIELD_OR_FILE or --live")
        if live:
            data = scoreboard()
            self.stdout.write("\n".join(scoreboard_lines(data)))
            if options["json"]:
                options["json"].write_text(json.dumps(data, indent=2))
            return
        path = Path(label)
        try:
            labels = labels_from_file(path) if path.is_file() else labels_from_field(label)
        except FieldDoesNotExist:
            raise CommandError(
                f"--label {label!r} is neither a file nor an offering field"
            ) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        result = backtest(labels)
        if not result.labelled:
            raise CommandError("no labelled offering has a score: run manage.py rescore first")
        self.stdout.write("\n".join(report_lines(result)))
        if options["json"]:
            data = asdict(result) | {"rules": [asdict(r) | {"lift": r.lift} for r in result.rules]}
            options["json"].write_text(json.dumps(data, indent=2))
