"""Rescoring benchmark: set-based `assessments_refresh()` against a naive per-offering loop.

    python -m bench.rescore --scale 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/ow_bench

Creates and migrates the benchmark database (its name must contain "bench": every assessment in
it is deleted), seeds it once per scale, then reports offerings/second for a forced rescore of
every offering, for a rescore that finds nothing changed, and for the naive loop on a sample
(extrapolated to the whole scale). Prints a table and writes bench/rescore.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bench.harness import database_configured, machine, seeded

if TYPE_CHECKING:
    from diligence.rescoring import RescoreReport

# Django and the apps are imported inside the functions: the command line configures Django
# (database, settings) before anything imports a model.
REPORT_PATH = Path(__file__).with_name("rescore.json")


def measure(
    *,
    sample: int = 1000,
    repeats: int = 3,
    today: dt.date | None = None,
    processes: int | None = None,
) -> dict:
    """Time rescoring of every offering in the default database; return the report.

    Deletes every assessment first, so each run starts from the same state; the first full
    rescore (which creates the assessments) is the warm-up. The rescores run in `processes`
    processes (default: one per core, as `rescore --all --processes N`), and once each in one.
    """
    from bench.naive import naive_rescore
    from bench.seed import TODAY
    from diligence.rescoring import assessments_refresh
    from offerings.models import Offering

    today = today or TODAY
    processes = processes or os.cpu_count() or 1
    offerings = Offering.objects.count()
    _assessments_clear()

    def forced_rate(processes: int) -> float:
        return _rate(
            lambda: assessments_refresh(force=True, today=today, processes=processes),
            offerings,
            expect_assessed=offerings,
        )

    def unchanged_rate(processes: int) -> float:
        return _rate(
            lambda: assessments_refresh(today=today, processes=processes),
            offerings,
            expect_assessed=0,
        )

    first = _rate(
        lambda: assessments_refresh(today=today, processes=processes),
        offerings,
        expect_assessed=offerings,
    )
    forced = [forced_rate(processes) for _ in range(repeats)]
    unchanged = [unchanged_rate(processes) for _ in range(repeats)]
    forced_alone, unchanged_alone = forced_rate(1), unchanged_rate(1)
    ids = _sample_ids(sample)
    naive = [
        _rate(lambda: naive_rescore(ids, today=today), len(ids), expect_assessed=len(ids))
        for _ in range(repeats)
    ]
    forced_rate, naive_rate = statistics.median(forced), statistics.median(naive)
    return {
        "scale": offerings,
        "repeats": repeats,
        "processes": processes,
        "rescore_first_per_s": round(first, 1),
        "rescore_per_s": round(forced_rate, 1),
        "rescore_runs_per_s": [round(rate, 1) for rate in forced],
        "rescore_unchanged_per_s": round(statistics.median(unchanged), 1),
        "rescore_unchanged_runs_per_s": [round(rate, 1) for rate in unchanged],
        "rescore_one_process_per_s": round(forced_alone, 1),
        "rescore_unchanged_one_process_per_s": round(unchanged_alone, 1),
        "naive_sample": len(ids),
        "naive_per_s": round(naive_rate, 1),
        "naive_runs_per_s": [round(rate, 1) for rate in naive],
        "naive_extrapolated_s": round(offerings / naive_rate, 1),
        "rescore_s": round(offerings / forced_rate, 1),
        "rescore_naive_over_ours": round(forced_rate / naive_rate, 1),
        "machine": machine(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _rate(run: Callable[[], RescoreReport], count: int, *, expect_assessed: int) -> float:
    """Offerings per second of `run`, which must assess `expect_assessed` of them."""
    started = time.perf_counter()
    report = run()
    elapsed = time.perf_counter() - started
    if report.assessed != expect_assessed:
        raise RuntimeError(
            f"expected {expect_assessed} new assessments, got {report.assessed}: "
            "the benchmark would not measure what it says"
        )
    return count / elapsed


def _assessments_clear() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from diligence.models import Assessment

    tables = [Assessment._meta.db_table]
    with connection.cursor() as cursor:
        for statement in connection.ops.sql_flush(no_style(), tables):
            cursor.execute(statement)


def _sample_ids(sample: int) -> list[int]:
    """`sample` offering ids spread evenly over the whole id range, so every kind is in it."""
    from offerings.models import Offering

    ids = list(Offering.objects.order_by("pk").values_list("pk", flat=True))
    step = max(1, len(ids) // max(1, sample))
    return ids[::step][:sample]


def report_table(report: dict) -> str:
    """The report as a short table people can read."""
    scale = report["scale"]
    rows = [
        (
            f"rescore --all (forced), {report['processes']} processes",
            f"{report['rescore_per_s']:,.0f}/s",
            f"{report['rescore_s']} s",
        ),
        ("rescore, nothing changed", f"{report['rescore_unchanged_per_s']:,.0f}/s", ""),
        ("rescore --all, one process", f"{report['rescore_one_process_per_s']:,.0f}/s", ""),
        (
            "nothing changed, one process",
            f"{report['rescore_unchanged_one_process_per_s']:,.0f}/s",
            "",
        ),
        ("first rescore (warm-up)", f"{report['rescore_first_per_s']:,.0f}/s", ""),
        (
            f"naive save() loop, {report['naive_sample']} sampled",
            f"{report['naive_per_s']:,.0f}/s",
            f"{report['naive_extrapolated_s']} s extrapolated",
        ),
        ("naive over ours", f"{report['rescore_naive_over_ours']}x", ""),
    ]
    width = max(len(label) for label, _, _ in rows)
    lines = [f"Rescoring {scale:,} offerings, median of {report['repeats']} runs"]
    lines += [f"  {label:<{width}}  {rate:>10}  {note}".rstrip() for label, rate, note in rows]
    machine = report["machine"]
    lines.append(
        f"  {machine['cores']} cores, {machine['memory_gb']} GB, Python {machine['python']}, "
        f"Django {machine['django']}, {machine['database']}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.rescore", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--scale", type=int, default=100_000, help="offerings (default 100000)")
    parser.add_argument("--sample", type=int, default=1000, help="offerings in the naive loop")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each measurement")
    parser.add_argument(
        "--processes", type=int, default=None, help="rescoring processes (default: one per core)"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ow_bench"),
    )
    parser.add_argument("--reseed", action="store_true", help="drop and seed the data again")
    parser.add_argument("--output", type=Path, default=REPORT_PATH)
    args = parser.parse_args(argv)

    database_configured(args.database_url, recreate=args.reseed)
    seeded(args.scale, tord=False)
    report = measure(sample=args.sample, repeats=args.repeats, processes=args.processes)
    print(report_table(report))
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {args.output}")


if __name__ == "__main__":
    main()
