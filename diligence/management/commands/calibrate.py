from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.exceptions import FieldDoesNotExist
from django.core.management.base import BaseCommand, CommandError

from diligence.scoring import METHODOLOGY_VERSION
from diligence.validation import (
    DEFAULT_CUTOFF,
    label_set,
    labelled_design,
    report_lines,
    validate,
    weights_document,
)
from diligence.weights import WEIGHTS_DIR


class Command(BaseCommand):
    help = (
        "Fit the methodology's weights on labelled offerings (a constrained, regularised "
        "logistic model shrunk towards the guide-based severities), validate them out of time "
        "and per source, and write the versioned weights file the scores read."
    )

    def add_arguments(self, parser):
        parser.add_argument("--label", required=True, metavar="FIELD_OR_FILE")
        parser.add_argument(
            "--cutoff",
            type=dt.date.fromisoformat,
            default=DEFAULT_CUTOFF,
            help="out-of-time split: fit on sales started before, test on those after "
            f"(default {DEFAULT_CUTOFF})",
        )
        parser.add_argument("--bootstrap", type=int, default=200, help="resamples for intervals")
        parser.add_argument("--methodology", default=METHODOLOGY_VERSION, help="version to write")
        parser.add_argument("--output", type=Path, help="default diligence/weights/VERSION.json")

    def handle(self, *args, label: str, **options):
        if options["bootstrap"] < 0:
            raise CommandError(f"--bootstrap ({options['bootstrap']}) must be 0 or more")
        try:
            labels = label_set(label)
        except FieldDoesNotExist:
            raise CommandError(
                f"--label {label!r} is neither a file nor an offering field"
            ) from None
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        design = labelled_design(labels)
        if len(design) < 50 or len(set(design.bad)) < 2:
            raise CommandError(
                f"{len(design)} labelled offerings with both outcomes are too few to fit weights "
                "(at least 50 needed)"
            )
        report = validate(design, cutoff=options["cutoff"], samples=options["bootstrap"])
        document = weights_document(
            design, labels, report, version=options["methodology"], samples=options["bootstrap"]
        )
        output = options["output"] or WEIGHTS_DIR / f"{options['methodology']}.json"
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
        self.stdout.write("\n".join(report_lines(document["validation"])))
        self.stdout.write(f"weights written to {output}")
