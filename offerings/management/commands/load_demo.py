from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from offerings.demo import VENUES, demo_records
from offerings.importing import SourceRow, offerings_import
from offerings.market.demo import DemoMarket
from offerings.market.refresh import market_refresh
from offerings.models import Venue
from offerings.services import venue_upsert


class Command(BaseCommand):
    help = "Load the fictional demo data set (idempotent) and, with --admin, a demo admin user."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=60)
        parser.add_argument(
            "--admin",
            action="store_true",
            help="create or reset the 'admin' superuser (development only) and print its password",
        )

    def handle(self, *args, count: int, admin: bool, **options):
        if admin and not settings.DEBUG:
            raise CommandError("--admin creates a demo superuser and only runs with DJANGO_DEBUG=1")
        with transaction.atomic():
            for venue in VENUES:
                if not _venue_is_current(venue):
                    venue_upsert(**venue)
            records = demo_records(timezone.localdate(), count=count)
            report = offerings_import(
                rows=[SourceRow(n, record) for n, record in enumerate(records, start=1)],
                change_reason="demo data",
            )
        if report.errors:
            raise CommandError("demo data is invalid:\n" + "\n".join(map(str, report.errors)))
        market = market_refresh(provider=DemoMarket(records, today=timezone.localdate()))
        self.stdout.write(
            f"demo data: {report.created} offerings created, {report.updated} updated, "
            f"{report.unchanged} unchanged, "
            f"{len(VENUES)} venues; market data for {market.coins} linked offerings "
            f"({market.snapshots} price snapshots, {market.pairs_seen} trading pairs)"
        )
        if admin:
            self._admin()

    def _admin(self) -> None:
        password = get_random_string(20)
        user, _ = get_user_model().objects.get_or_create(
            username="admin", defaults={"email": "admin@localhost"}
        )
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"admin user: admin / {password}  (sign in at "
                "http://127.0.0.1:8000/accounts/login/; the admin is at /admin/)"
            )
        )


def _venue_is_current(spec: dict[str, Any]) -> bool:
    """Whether the venue already says what the demo says: then a re-run writes no history."""
    profile = {name: value for name, value in spec.items() if name not in {"name", "incidents"}}
    venue = Venue.objects.filter(name__iexact=spec["name"], **profile).first()
    if venue is None:
        return False
    incidents = spec["incidents"]
    return venue.incidents.count() == len(incidents) and all(
        venue.incidents.filter(**incident).exists() for incident in incidents
    )
