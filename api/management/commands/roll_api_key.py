"""manage.py roll_api_key --name N [--user U] [--overlap HOURS]: prints the new key once."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from api.management.commands._keys import current_key
from api.services import api_key_roll


class Command(BaseCommand):
    help = "Issue a new key for a name; the old one keeps working for the overlap (0-168 h)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--user", default=None)
        parser.add_argument("--overlap", type=float, default=24, help="Hours (default 24).")

    def handle(self, *args, **options) -> None:
        old = current_key(options["name"], options["user"])
        try:
            new, plaintext = api_key_roll(
                api_key=old, overlap=dt.timedelta(hours=options["overlap"])
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        old.refresh_from_db()
        self.stderr.write(
            f"Rolled '{new.name}': {old.prefix}_… works until {old.expires_at:%Y-%m-%d %H:%M} UTC; "
            f"the new key {new.prefix}_… follows. Store it now; it is not kept."
        )
        self.stdout.write(plaintext)
