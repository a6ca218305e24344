from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from pathlib import Path

from django.core.exceptions import FieldDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from diligence.backtest import backtest, report_lines
from diligence.track_record import scoreboard, scoreboard_lines
from diligence.validation import DEFAULT_CUTOFF, label_set, labelled_design, validate
from diligence.validation import report_lines as validation_lines


class Command(BaseCommand):
    help = (
        "Check the methodology against an outcome: the current scores' AUC, precision at k and "
        "each rule's lift, then the weights' validation — refitted out of time and per source, "
        "with bootstrap intervals and a calibration table. --label is an offering field (1 where "
        "filled) or a CSV file (slug,label[,source], or a TORD file whose "
        "Coinmarketcap_identifier marks a listed token). --live instead checks the frozen "
        "as-of-sale-end scores against the outcomes recorded since (the track record)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--label", metavar="FIELD_OR_FILE")
        parser.add_argument(
            "--live",
            action="store_true",
            help="the track record: frozen as-of-sale-end scores against recorded outcomes",
        )
        parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
        parser.add_argument("--cutoff", type=dt.date.fromisoformat, default=DEFAULT_CUTOFF)
        parser.add_argument("--bootstrap", type=int, default=200, help="resamples for intervals")

    def handle(self, *args, label: str | None, live: bool, **options):
        if live == bool(label):
            raise CommandError("give either --label FIELD_OR_FILE or --live")
        if live:
            data = scoreboard()
            self.stdout.write("\n".join(scoreboard_lines(data)))
            if options["json"]:
                options["json"].write_text(json.dumps(data, indent=2))
            return
        try:
            labels = label_set(label)
        except FieldDoesNotExist:
            raise CommandError(
                f"--label {label!r} is neither a file nor an offering field"
            ) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        result = backtest(labels.good)
        if not result.labelled:
            raise CommandError("no labelled offering has a score: run manage.py rescore first")
        self.stdout.write("\n".join(report_lines(result)))
        design = labelled_design(labels)
        report: dict = {}
        if len(design) >= 50 and len(set(design.bad)) == 2:
            report = validate(design, cutoff=options["cutoff"], samples=options["bootstrap"])
            report.pop("_bootstrap_calibrations", None)
            self.stdout.write("")
            self.stdout.write("\n".join(validation_lines(report)))
        else:
            self.stdout.write("too few labelled offerings (50) to validate the weights")
        if options["json"]:
            current = asdict(result) | {
                "rules": [asdict(r) | {"lift": r.lift} for r in result.rules]
            }
            precision = report.get("precision_at_k") or {
                str(k): v for k, v in result.precision_at.items()
            }
            data = report | {"precision_at_k": precision, "current_scores": current}
            options["json"].write_text(json.dumps(data, indent=2))
