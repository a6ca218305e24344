"""manage.py api_prune: drop expired signature nonces and idempotent replies (run daily)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from api.services import api_records_prune


class Command(BaseCommand):
    help = "Delete signature nonces past their window and idempotent replies past 24 hours."

    def handle(self, *args, **options) -> None:
        nonces, replies = api_records_prune()
        self.stdout.write(f"Deleted {nonces} nonce(s) and {replies} idempotent reply(ies).")
