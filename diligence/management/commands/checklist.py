from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from diligence.methodology import methodology, methodology_markdown


class Command(BaseCommand):
    help = "Print the red-flag checklist methodology: version and every rule with its weight."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["json", "markdown"], default="markdown")

    def handle(self, *args, format: str, **options):
        if format == "json":
            self.stdout.write(json.dumps(methodology(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(methodology_markdown())
