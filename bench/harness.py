"""What every benchmark shares: pointing Django at a benchmark database (created, migrated,
seeded once), timing, percentiles and paired ratios, the machine description, a Redis of its
own, and writing the report. The scripts in bench/ measure; this module does the rest once."""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url


# Timing and statistics ------------------------------------------------------------------------
def timed_ms(run: Callable[[], object]) -> float:
    """Wall-clock milliseconds of one call."""
    started = time.perf_counter()
    run()
    return (time.perf_counter() - started) * 1000


def percentile(times: list[float], percent: int) -> float:
    if len(times) == 1:
        return round(times[0], 2)
    return round(statistics.quantiles(times, n=100, method="inclusive")[percent - 1], 2)


def summary_of_pairs(ratios: list[float]) -> dict:
    """Median of paired ratios with its spread (quartiles and range): one noisy pair moves the
    range, not the median."""
    ordered = sorted(ratios)
    quartiles = (
        statistics.quantiles(ordered, n=4, method="inclusive")
        if len(ordered) > 1
        else [ordered[0]] * 3
    )
    return {
        "median": round(statistics.median(ordered), 2),
        "q1": round(quartiles[0], 2),
        "q3": round(quartiles[2], 2),
        "min": round(ordered[0], 2),
        "max": round(ordered[-1], 2),
        "pairs": len(ordered),
    }


def machine() -> dict:
    """Cores, memory, Python, Django and the database server, for every report."""
    from django import get_version
    from django.db import connection

    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    database = connection.vendor
    if database == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    return {
        "cores": os.cpu_count(),
        "memory_gb": round(memory_gb, 1),
        "python": platform.python_version(),
        "django": get_version(),
        "database": database,
    }


def timed_get(client, url: str, headers: dict, repeats: int) -> tuple[list[float], int]:
    """Milliseconds of `repeats` GETs of `url` by a Django test client after a warm-up, and the
    queries one of them makes."""
    from django.db import connection

    for _ in range(3):  # warm-up: connection, templates, caches
        _answered_ok(client.get(url, secure=True, **headers), url)
    queries = []  # counted by a wrapper: a request start empties Django's own query log

    def counted(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        _answered_ok(client.get(url, secure=True, **headers), url)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        _answered_ok(client.get(url, secure=True, **headers), url)
        times.append((time.perf_counter() - started) * 1000)
    return times, len(queries)


def _answered_ok(response, url: str) -> None:
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}, not 200")


# The benchmark database -------------------------------------------------------------------------
def database_configured(database_url: str, *, recreate: bool = False) -> None:
    """Point Django at the benchmark database (created if missing, migrated) with production
    settings. The name must contain "bench": benchmarks delete every assessment in it."""
    name = str(dj_database_url.parse(database_url)["NAME"])
    if "bench" not in Path(name).name:
        raise SystemExit(
            f"database {name!r}: the name must contain 'bench', since the benchmark deletes "
            "every assessment in it"
        )
    os.environ["DATABASE_URL"] = database_url
    # Production settings: DEBUG would record every query and slow the code being measured.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", f"bench-only-{secrets.token_hex(24)}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if database_url.startswith(("postgres://", "postgresql://")):
        postgres_started(database_url)
        _postgres_database_ensure(database_url, recreate=recreate)
    elif recreate:
        Path(name).unlink(missing_ok=True)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _postgres_database_ensure(database_url: str, *, recreate: bool) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    server = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and recreate:
            connection.execute(
                sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name))
            )
            exists = None
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def postgres_started(database_url: str) -> None:
    """Start the local PostgreSQL cluster if it is installed and stopped (never stop one)."""
    import psycopg

    server = urlsplit(database_url)._replace(path="/postgres").geturl()
    try:
        psycopg.connect(server, connect_timeout=3).close()
        return
    except psycopg.OperationalError as exc:
        reason = exc
    if urlsplit(database_url).hostname not in ("127.0.0.1", "localhost") or not shutil.which(
        "pg_lsclusters"
    ):
        raise SystemExit(f"PostgreSQL is not reachable at {server}: {reason}")
    clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True).stdout
    for version, name, _port, status, *_ in (line.split() for line in clusters.splitlines()):
        if status == "down":
            print(f"starting PostgreSQL {version}/{name}", file=sys.stderr)
            subprocess.run(["pg_ctlcluster", version, name, "start"], check=True)
    psycopg.connect(server, connect_timeout=10).close()


def progress_dots(_count: int) -> None:
    print(".", end="", flush=True, file=sys.stderr)


# Processes of its own ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stopped(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def redis_started(workdir: str | Path) -> Iterator[str]:
    """A redis-server of its own on a free loopback port, no persistence; yields its URL
    (without a database number). Stopped on exit."""
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed: this benchmark needs Redis")
    port = free_port()
    with (Path(workdir) / "redis.log").open("wb") as log:
        process = subprocess.Popen(
            [
                *("redis-server", "--port", str(port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(workdir)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            yield f"redis://127.0.0.1:{port}"
        finally:
            stopped(process)


# Reports ----------------------------------------------------------------------------------------
def report_written(report: dict, path: Path) -> None:
    import json

    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"written to {path}")


# Seeding ----------------------------------------------------------------------------------------
TORD_FILE = Path(__file__).resolve().parents[2] / "shared" / "data" / "tord" / "tord_v4.csv"


def seeded(scale: int, *, tord: bool = True) -> None:
    """Seed `scale` generated offerings once (bench/seed.py), plus the TORD file when `tord` and
    it exists; a database seeded at another scale must be reseeded."""
    from bench.seed import offerings_seed, tord_seed
    from offerings.models import Offering

    count = Offering.objects.filter(slug__regex=r"^bench-[0-9]+$").count()
    if count == scale:
        print(f"reusing the {scale:,} seeded offerings (--reseed to seed again)", file=sys.stderr)
        return
    if count or (not tord and Offering.objects.exists()):
        raise SystemExit(
            f"the database holds {Offering.objects.count():,} offerings, not {scale:,} "
            "generated ones: run again with --reseed"
        )
    started = time.perf_counter()
    offerings_seed(scale=scale, progress=progress_dots)
    print(f"\nseeded {scale:,} offerings in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    if tord and TORD_FILE.is_file():
        imported = tord_seed(TORD_FILE)
        print(f"imported {imported:,} TORD offerings from {TORD_FILE.name}", file=sys.stderr)
