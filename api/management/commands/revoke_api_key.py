"""manage.py revoke_api_key --name N [--user U]: the key (and its predecessor) stop working now."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from api.management.commands._keys import current_key
from api.services import api_key_revoke


class Command(BaseCommand):
    help = "Revoke a key at once, with a predecessor still in its roll-over overlap."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--user", default=None)

    def handle(self, *args, **options) -> None:
        api_key = current_key(options["name"], options["user"])
        count = api_key_revoke(api_key=api_key)
        self.stdout.write(f"Revoked {count} key(s) named '{api_key.name}'.")
