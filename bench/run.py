"""Every benchmark in one run: `make bench` (BENCH_SCALE=small for 10,000 offerings, full for
100,000, the default).

    BENCH_SCALE=small .venv/bin/python -m bench.run

Runs on PostgreSQL in a database of its own (its name must contain "bench"; by default
ow_bench_<scale> on the local server, started first if it is installed and stopped), seeded once
per scale with bench/seed.py. Each figure is measured after a warm-up, next to its comparison
from the same run; a figure whose code is not there yet is reported missing, with the reason,
never guessed. Prints a table with each goal met or missed and writes bench/report.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from bench.harness import (
    TORD_FILE,
    database_configured,
    machine,
    percentile,
    postgres_started,
    seeded,
    timed_get,
)

SCALES = {"tiny": 200, "small": 10_000, "full": 100_000}
REPORT_PATH = Path(__file__).with_name("report.json")
# The list the HTML and API figures read: a filter and an ordering, like an analyst's.
LIST_QUERY = "?kind=ico&sort=-start_date"
# Rows of the bench data re-imported (as new offerings, rolled back) for the JSONL import rate.
IMPORT_ROWS = 5000


class Missing(Exception):
    """A figure that cannot be measured in this tree, and why."""


# (report key, comparison, threshold, how the goal reads)
GOALS: list[tuple[str, str, float, str]] = [
    ("api_list_p50_over_floor", "<=", 3, "API list p50 within 3x the floor"),
    ("api_list_naive_over_ours", ">=", 3, "API list 3x faster than plain DRF"),
    ("api_list_queries", "<=", 6, "API list in at most 6 queries"),
    ("html_fragment_p50_ms", "<", 30, "htmx fragment p50 under 30 ms"),
    ("html_fragment_by_score_p50_ms", "<", 30, "fragment sorted by score under 30 ms"),
    ("unlocks_calendar_p50_ms", "<", 50, "unlock calendar (a month) p50 under 50 ms"),
    ("rescore_per_s", ">=", 5000, "rescoring 5,000 offerings/s"),
    ("rescore_naive_over_ours", ">=", 10, "rescoring 10x the naive loop"),
    ("refresh_naive_over_ours", ">=", 10, "market refresh 10x update_or_create"),
    ("contract_naive_over_ours", ">=", 10, "contract check 10x update_or_create"),
    ("whitepapers_add_copy_p50_ms", "<", 1000, "adding a whitepaper to the corpus under 1 s"),
]


def run(*, scale: int, repeats: int = 50, sample: int = 1000, url: str | None = None) -> dict:
    """Measure everything against the default database (seeded with `scale` offerings);
    `url` is its address, for the import into a scratch database next to it."""
    report: dict = {
        "scale": scale,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "missing": {},
        "failed": {},
    }
    steps: list[tuple[str, Callable[[], dict]]] = [
        # Unlock events first, so that rescoring reads them as a deployment would.
        ("unlock_events", _unlock_events),
        # Rescoring next: it leaves every offering with a current assessment for the pages.
        ("rescore", lambda: _rescore(sample=min(sample, scale), repeats=3)),
        ("analyze", statistics_refreshed),
        ("api_list", lambda: _api_list(repeats=repeats)),
        ("html", lambda: html_measure(repeats=repeats)),
        ("unlocks", lambda: _unlocks(repeats=repeats)),
        ("refresh", lambda: _market_refresh(scale=min(10_000, scale))),
        ("contract", lambda: _contract_refresh(scale=min(2000, scale))),
        ("import", lambda: import_measure(rows=min(IMPORT_ROWS, scale), database_url=url)),
        # Last: its corpus (a whitepaper for up to 10,000 of the seeded offerings) is kept.
        ("whitepapers", lambda: _whitepapers(corpus=min(10_000, scale))),
    ]
    for name, step in steps:
        started = time.perf_counter()
        try:
            report.update(_namespaced(name, step()))
        except Missing as exc:
            report["missing"][name] = str(exc)
        except Exception as exc:  # one broken figure must not hide the others
            traceback.print_exc()
            report["failed"][name] = f"{type(exc).__name__}: {exc}"
        print(f"  {name}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    report["goals"] = goals(report)
    return report


def _namespaced(step: str, figures: dict) -> dict:
    """A step's figures, with the run-wide keys it reports of its own (its scale, say) renamed
    after the step so they cannot overwrite the run's."""
    for key in ("scale", "repeats", "sample"):
        if key in figures:
            figures[f"{step}_{key}"] = figures.pop(key)
    figures.pop("machine", None)
    figures.pop("date", None)
    return figures


def statistics_refreshed() -> dict:
    """VACUUM ANALYZE, as autovacuum would have by now on a live server: without statistics
    on freshly seeded tables the planner guesses a handful of rows and picks plans (a join of
    every offering, then a sort) that no production database would run."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {}


def _rescore(*, sample: int, repeats: int) -> dict:
    from bench.rescore import measure

    figures = measure(sample=sample, repeats=repeats)
    for key in ("scale", "machine", "date", "repeats"):
        figures.pop(key)
    return {key if key.startswith("rescore") else f"rescore_{key}": v for key, v in figures.items()}


def _api_list(*, repeats: int) -> dict:
    try:
        from bench.api_list import measure
    except ImportError as exc:
        raise Missing(f"bench/api_list.py cannot be imported yet: {exc}") from None
    return measure(repeats=max(repeats, 20))


def _unlock_events() -> dict:
    from bench.unlocks import events_derived

    return events_derived()


def _unlocks(*, repeats: int) -> dict:
    from bench.unlocks import measure

    return measure(repeats=repeats)


def _market_refresh(*, scale: int) -> dict:
    try:
        from bench.market_refresh import measure
    except ImportError as exc:
        raise Missing(f"bench/market_refresh.py cannot be imported yet: {exc}") from None
    return measure(scale=scale, repeats=3)


def _contract_refresh(*, scale: int) -> dict:
    try:
        from bench.contract_refresh import measure
    except ImportError as exc:
        raise Missing(f"bench/contract_refresh.py cannot be imported yet: {exc}") from None
    return measure(scale=scale, repeats=3)


def _whitepapers(*, corpus: int) -> dict:
    from bench.whitepapers import corpus_seed, measure

    corpus_seed(corpus)
    return measure(repeats=10)


def html_measure(*, repeats: int) -> dict:
    """p50/p95 ms and query count of the list page and its htmx fragment, signed in, through
    the whole Django stack (middleware, session, templates) without a network in between."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from diligence.roles import role_assign

    analyst, _ = get_user_model().objects.get_or_create(username="bench-analyst")

    role_assign(user=analyst, role="analyst")  # a key and pages need a role
    client = Client()
    client.force_login(analyst)
    htmx = {"HTTP_HX_REQUEST": "true"}
    figures = {}
    for key, query, headers in (
        ("html_list", LIST_QUERY, {}),
        ("html_fragment", LIST_QUERY, htmx),
        ("html_fragment_by_score", "?sort=-score", htmx),
        ("html_fragment_by_risk", "?sort=-risk", htmx),
    ):
        times, queries = timed_get(client, f"/offerings/{query}", headers, repeats)
        figures[f"{key}_p50_ms"] = percentile(times, 50)
        figures[f"{key}_p95_ms"] = percentile(times, 95)
        figures[f"{key}_queries"] = queries
    figures["html_fragment_over_list"] = round(
        figures["html_fragment_p50_ms"] / figures["html_list_p50_ms"], 2
    )
    figures["html_query"] = LIST_QUERY
    return figures


def import_measure(*, rows: int, database_url: str | None = None) -> dict:
    """Import rows/s. TORD: the whole file into an empty scratch database (migrated afresh, in a
    process of its own, the import alone timed), skipped with the reason when the file or
    PostgreSQL is absent. JSON Lines: `rows` bench offerings exported and imported again as
    new ones into the benchmark database, the real write path rolled back (dry run)."""
    figures: dict = {"import_rows_per_s": None}
    if not TORD_FILE.is_file():
        figures["import_missing"] = f"TORD not found at {TORD_FILE}"
    elif not database_url or not database_url.startswith(("postgres://", "postgresql://")):
        figures["import_missing"] = "the TORD import runs in a scratch PostgreSQL database"
    else:
        scratch = urlsplit(database_url)
        scratch = scratch._replace(path=f"{scratch.path}_import_scratch").geturl()
        command = [sys.executable, "-m", "bench.run", "--tord-import-into", scratch]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode:
            raise RuntimeError(f"the TORD import benchmark failed:\n{result.stderr[-2000:]}")
        figures.update(json.loads(result.stdout.strip().splitlines()[-1]))
    jsonl_rows = _reimport_rows(rows)
    figures["import_jsonl_rows_per_s"] = _import_rate(jsonl_rows, lenient=False, dry_run=True)
    figures["import_jsonl_rows"] = len(jsonl_rows)
    return figures


def tord_import_into(database_url: str) -> dict:
    """In this process: recreate the scratch database, then time importing the TORD file."""
    database_configured(database_url, recreate=True)
    from offerings.tord import open_tord, read_tord

    source_rows = list(read_tord(open_tord(TORD_FILE)))
    rate = _import_rate(source_rows, lenient=True, dry_run=False)
    return {"import_rows_per_s": rate, "import_rows": len(source_rows), "import_source": "TORD v4"}


def _import_rate(source_rows: list, *, lenient: bool, dry_run: bool) -> float:
    """Rows read per second; `partial` since generated and research data break a rule here
    and there (the seed draws caps independently), and those rows are validated too."""
    from offerings.importing import offerings_import

    started = time.perf_counter()
    report = offerings_import(rows=source_rows, dry_run=dry_run, lenient=lenient, partial=True)
    elapsed = time.perf_counter() - started
    if report.created + report.updated < len(source_rows) / 2:
        raise RuntimeError(f"most import benchmark rows are rejected: {report.errors[:3]}")
    return round(len(source_rows) / elapsed, 1)


def _reimport_rows(rows: int) -> list:
    from diligence.selectors import assessed_export
    from offerings.importing import SourceRow
    from offerings.models import Offering

    records = []
    ids = Offering.objects.filter(slug__regex=r"^bench-[0-9]+$").order_by("pk").values("pk")[:rows]
    offerings = Offering.objects.filter(pk__in=list(ids.values_list("pk", flat=True)))
    for number, record in enumerate(assessed_export(offerings), start=1):
        record["slug"] = f"reimport-{record['slug']}"
        record["name"] = f"Re-import {record['name']}"
        records.append(SourceRow(number, json.loads(json.dumps(record, default=str))))
    return records


def goals(report: dict) -> list[dict]:
    verdicts = []
    for key, comparison, threshold, text in GOALS:
        value = report.get(key)
        if value is None:
            verdict = "missing"
        else:
            met = {"<=": value <= threshold, ">=": value >= threshold, "<": value < threshold}
            verdict = "met" if met[comparison] else "missed"
        verdicts.append(
            {"figure": key, "goal": f"{comparison} {threshold:g}", "text": text, "verdict": verdict}
        )
    return verdicts


ROWS: list[tuple[str, str, str]] = [
    # (label, key, unit)
    ("API list p50", "api_list_p50_ms", " ms"),
    ("API list p95", "api_list_p95_ms", " ms"),
    ("API list queries", "api_list_queries", ""),
    ("API list p50 over floor", "api_list_p50_over_floor", "x"),
    ("plain DRF over ours", "api_list_naive_over_ours", "x"),
    ("HTML list p50", "html_list_p50_ms", " ms"),
    ("HTML list p95", "html_list_p95_ms", " ms"),
    ("HTML list queries", "html_list_queries", ""),
    ("htmx fragment p50", "html_fragment_p50_ms", " ms"),
    ("htmx fragment p95", "html_fragment_p95_ms", " ms"),
    ("htmx fragment queries", "html_fragment_queries", ""),
    ("fragment by score p50", "html_fragment_by_score_p50_ms", " ms"),
    ("fragment by risk p50", "html_fragment_by_risk_p50_ms", " ms"),
    ("unlock events", "unlocks_events", ""),
    ("unlock events derived", "unlocks_derive_events_per_s", "/s"),
    ("unlock calendar p50 (month)", "unlocks_calendar_p50_ms", " ms"),
    ("unlock calendar p95 (month)", "unlocks_calendar_p95_ms", " ms"),
    ("unlock calendar queries", "unlocks_calendar_queries", ""),
    ("calendar, min 1% p50", "unlocks_calendar_min1_p50_ms", " ms"),
    ("API unlocks p50 (month)", "unlocks_api_p50_ms", " ms"),
    ("API unlocks queries", "unlocks_api_queries", ""),
    ("rescoring", "rescore_per_s", "/s"),
    ("rescoring naive loop", "rescore_naive_per_s", "/s"),
    ("naive over ours", "rescore_naive_over_ours", "x"),
    ("market refresh", "refresh_rows_per_s", " rows/s"),
    ("update_or_create over ours", "refresh_naive_over_ours", "x"),
    ("contract check write", "contract_rows_per_s", " contracts/s"),
    ("contract update_or_create over ours", "contract_naive_over_ours", "x"),
    ("TORD import", "import_rows_per_s", " rows/s"),
    ("JSONL import (dry run)", "import_jsonl_rows_per_s", " rows/s"),
]


def report_table(report: dict) -> str:
    """The figures and the goals, readable in a terminal."""
    verdicts = {goal["figure"]: goal for goal in report["goals"]}
    width = max(len(label) for label, _, _ in ROWS)
    lines = [f"Offerwatch benchmarks, {report['scale']:,} offerings, {report['date']}"]
    for label, key, unit in ROWS:
        value = report.get(key)
        shown = "missing" if value is None else f"{value:,.1f}".removesuffix(".0") + unit
        goal = verdicts.get(key)
        note = f"{goal['verdict']:<7} ({goal['goal']})" if goal else ""
        lines.append(f"  {label:<{width}}  {shown:>14}  {note}".rstrip())
    for name, reason in report["missing"].items():
        lines.append(f"  missing {name}: {reason}")
    for name, error in report["failed"].items():
        lines.append(f"  FAILED {name}: {error}")
    if report.get("import_missing"):
        lines.append(f"  missing TORD import: {report['import_missing']}")
    machine = report["machine"]
    lines.append(
        f"  {machine['cores']} cores, {machine['memory_gb']} GB, Python {machine['python']}, "
        f"Django {machine['django']}, {machine['database']}"
    )
    return "\n".join(lines)


def scale_from(value: str) -> int:
    if value in SCALES:
        return SCALES[value]
    try:
        return int(value)
    except ValueError:
        raise SystemExit(
            f"BENCH_SCALE={value!r}: use small, full, tiny or a number of offerings"
        ) from None


def database_url_for(scale_name: str) -> str:
    """BENCH_DATABASE_URL, else DATABASE_URL when it names a bench database, else the default."""
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    general = os.environ.get("DATABASE_URL", "")
    if "bench" in urlsplit(general).path:
        return general
    return f"postgres://postgres@127.0.0.1:5432/ow_bench_{scale_name}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "full"))
    parser.add_argument("--repeats", type=int, default=50, help="requests per page figure")
    parser.add_argument("--sample", type=int, default=1000, help="offerings in the naive loop")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    parser.add_argument("--output", type=Path, default=REPORT_PATH)
    parser.add_argument("--tord-import-into", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tord_import_into:  # the scratch-database half of import_measure
        print(json.dumps(tord_import_into(args.tord_import_into)))
        return

    scale = scale_from(args.scale)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per fake-provider request
    url = args.database_url or database_url_for(args.scale)
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "1")
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    os.environ["DATABASE_CONN_MAX_AGE"] = "600"
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
    if url.startswith(("postgres://", "postgresql://")):
        postgres_started(url)
    database_configured(url, recreate=args.reseed)
    seeded(scale)
    report = run(scale=scale, repeats=args.repeats, sample=args.sample, url=url)
    print(report_table(report))
    args.output.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
