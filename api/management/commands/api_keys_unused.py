"""manage.py api_keys_unused [--days 90]: usable keys nobody has used for that long."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from api.services import api_keys_unused


class Command(BaseCommand):
    help = "List usable API keys unused for --days (default API_KEY_UNUSED_DAYS): revoke them."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=settings.API_KEY_UNUSED_DAYS)

    def handle(self, *args, **options) -> None:
        keys = list(api_keys_unused(days=options["days"]))
        for key in keys:
            used = f"last used {key.last_used_at:%Y-%m-%d}" if key.last_used_at else "never used"
            self.stdout.write(
                f"{key.prefix}_…\t{key.name}\t{key.user.get_username()}\t{used}\t"
                f"created {key.created_at:%Y-%m-%d}\texpires {key.expires_at:%Y-%m-%d}"
            )
        self.stderr.write(f"{len(keys)} key(s) unused for {options['days']} days.")
