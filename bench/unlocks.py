"""Unlock calendar benchmark: a month's window of /unlocks/ and /api/v1/unlocks/ over the seed.

    python -m bench.unlocks --scale 100000 \\
        --database-url postgres://postgres@127.0.0.1:5432/ow_bench_unlocks

Uses the seeded benchmark database (bench/rescore.py creates and seeds it when missing). The
seed writes allocations in bulk, without the signal that derives unlock events, so the events
are derived here once (`unlock_events_refresh` over every offering, timed: events/s). Then,
after a warm-up, through the test client: the calendar page signed in for the month from the
seed's TODAY (table page and month timeline), the same page with a minimum share of circulating
supply, and the API list for the month. Writes bench/unlocks.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time
from pathlib import Path

REPORT_PATH = Path(__file__).with_name("unlocks.json")
MONTH = 30  # days in the measured window


def events_derived() -> dict:
    """Derive every offering's unlock events once (kept for later runs); their count and rate."""
    from django.db import connection

    from offerings.models import Offering, UnlockEvent
    from offerings.unlock_events import unlock_events_refresh

    figures: dict = {}
    if not UnlockEvent.objects.exists():
        ids = list(Offering.objects.order_by("pk").values_list("pk", flat=True))
        started = time.perf_counter()
        written = unlock_events_refresh(offering_ids=ids)
        seconds = time.perf_counter() - started
        figures["unlocks_derive_events_per_s"] = round(written / seconds) if seconds else 0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE offerings_unlockevent")  # fresh statistics for the planner
    figures["unlocks_events"] = UnlockEvent.objects.count()
    return figures


def measure(*, repeats: int = 50) -> dict:
    """p50/p95 ms and query counts of the calendar page and the API list for a month."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from bench.api_list import _reader_key
    from bench.harness import percentile, timed_get
    from bench.seed import TODAY
    from offerings.models import UnlockEvent

    figures = events_derived()
    month = {"from": TODAY.isoformat(), "to": (TODAY + dt.timedelta(days=MONTH)).isoformat()}
    figures["unlocks_month_events"] = UnlockEvent.objects.between(
        TODAY, TODAY + dt.timedelta(days=MONTH)
    ).count()
    from diligence.roles import role_assign

    analyst, _ = get_user_model().objects.get_or_create(username="bench-analyst")
    role_assign(user=analyst, role="analyst")  # pages need a role
    page = Client()
    page.force_login(analyst)
    api = Client(REMOTE_ADDR="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {_reader_key()}")
    query = f"from={month['from']}&to={month['to']}"
    for key, client, url in (
        ("unlocks_calendar", page, f"/unlocks/?{query}"),
        ("unlocks_calendar_min1", page, f"/unlocks/?{query}&min_percent_circulating=1"),
        ("unlocks_api", api, f"/api/v1/unlocks/?{query}&page_size=50"),
    ):
        times, queries = timed_get(client, url, {}, repeats)
        figures[f"{key}_p50_ms"] = percentile(times, 50)
        figures[f"{key}_p95_ms"] = percentile(times, 95)
        figures[f"{key}_queries"] = queries
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.unlocks", description=__doc__)
    parser.add_argument("--scale", type=int, default=100_000, help="offerings (default 100000)")
    parser.add_argument("--repeats", type=int, default=50, help="timed requests per figure")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ow_bench_unlocks"
        ),
    )
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    parser.add_argument("--output", type=Path, default=REPORT_PATH)
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "1")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

    from bench.harness import database_configured, seeded

    database_configured(args.database_url, recreate=args.reseed)
    seeded(args.scale, tord=False)
    report = {"scale": args.scale, **measure(repeats=args.repeats)}
    print(json.dumps(report, indent=2))
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
