"""`make load`: gunicorn serving the app on loopback against PostgreSQL and Redis, driven by
locust (headless, a separate process) for LOAD_SECONDS (60) with the mix of locustfile.py; then
every acknowledged write is checked in the database. Prints the figures, writes bench/load.json.

    LOAD_SECONDS=20 .venv/bin/python -m bench.load
    LOAD_BASELINE=5a843ff LOAD_ROUNDS=3 .venv/bin/python -m bench.load   # A/B, interleaved

With LOAD_BASELINE (a git revision, exported with git archive), the rounds alternate between
gunicorn serving that commit and this tree, against the same database, seed and key, and the
report gives each tree's medians and the median of the paired ratios: on a machine whose speed
drifts (the same tree has measured 29 to 66 requests/s within an hour here), only a ratio
measured in the same run says what a change did.

Environment: LOAD_SECONDS, LOAD_BASELINE, LOAD_ROUNDS (1; 3 with a baseline), LOAD_USERS
(locust users, 30), LOAD_WORKERS and LOAD_THREADS (gunicorn processes and threads each;
production's, config/gunicorn.py, which gunicorn is started with: 2 x 2),
LOAD_SCALE (offerings seeded once, 10000),
BENCH_LOAD_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/ow_bench_load; the name
must contain "bench"). Redis is a redis-server of its own on a free port (cache and throttle
counters in db 0, the Celery broker in db 1, no worker: rescores queue up and are counted).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import ExitStack
from decimal import Decimal
from pathlib import Path

from bench.harness import free_port, stopped

ROOT = Path(__file__).resolve().parents[2]
REPORT_PATH = ROOT / "bench" / "load.json"
LOCUSTFILE = Path(__file__).with_name("locustfile.py")
BIN = Path(sys.executable).parent
CHECKED_FIELDS = ("name", "symbol", "kind", "website", "country", "hard_cap", "description")
GOAL_RPS = 300
GOAL_P95_MS = 250


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def wait_until(check, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise SystemExit(f"timed out after {timeout:.0f} s waiting for {what}")


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def prepared(scale: int, *, sessions: int) -> dict:
    """Seed once, make sure every offering is assessed, and issue this run's user and key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from api.models import ApiKey
    from api.services import api_key_create
    from api.signing import public_key_text
    from bench.harness import seeded
    from bench.run import statistics_refreshed
    from diligence.rescoring import assessments_refresh
    from diligence.roles import role_assign
    from offerings.models import Offering

    seeded(scale)
    assessments_refresh()
    statistics_refreshed()
    user, _ = get_user_model().objects.get_or_create(username="load-analyst")
    role_assign(user=user, role="editor")  # a key and pages need a role
    # Earlier runs' keys are spent: revoked, so runs never reach the per-user key limit.
    ApiKey.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    private_key = Ed25519PrivateKey.generate()
    _, key = api_key_create(
        user=user,
        name=f"load test {secrets.token_hex(4)}",
        scopes=["offerings:read", "offerings:write", "diligence:read"],
        expires_in_days=1,
        allowed_ips=["127.0.0.1/32"],
        public_key=public_key_text(private_key),
    )
    raw = private_key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    slugs = list(Offering.objects.order_by("?").values_list("slug", flat=True)[:500])
    return {
        "LOAD_API_KEY": key,
        "LOAD_PRIVATE_KEY": raw.hex(),
        "LOAD_SLUGS": ",".join(slugs),
        "LOAD_SESSIONS": ",".join(signed_in_sessions(user, count=sessions)),
    }


def signed_in_sessions(user, *, count: int) -> list[str]:
    """Session keys of `user`, signed in as the login view would do it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    keys = []
    for _ in range(count):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        # A backend the settings list: get_user() treats a session naming another as signed out.
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def server_env(database_url: str, redis_port: int) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "60",
        "DJANGO_DEBUG": "0",
        # The secret the sessions of prepared() were signed with: another one would void them,
        # and every page would answer with the sign-in redirect instead of the page.
        "DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"],
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        # Production's logs (make prod): one JSON line per request, into the run's gunicorn.log.
        "OPS_LOG_FORMAT": "json",
        "CACHE_URL": f"redis://127.0.0.1:{redis_port}/0",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{redis_port}/1",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        # The mix is one key and one address: the load test measures the app, not the limits.
        # Per second, not per minute: the throttle keeps a log of the requests in its window,
        # and a minute of the whole load test's requests (~18,000 timestamps, read and written
        # whole on every request) would cost far more than a real key's log (at most its rate).
        "API_THROTTLE_KEY_RATE": "1000000/second",
        "API_THROTTLE_ANON_RATE": "1000000/second",
    }


def locust_figures(prefix: Path) -> dict:
    """Requests, rates and percentiles per kind of request and in total, from locust's CSV."""
    figures: dict = {"by_request": {}}
    with open(f"{prefix}_stats.csv", newline="") as stream:
        for row in csv.DictReader(stream):
            entry = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "requests_per_s": round(float(row["Requests/s"]), 1),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
            }
            if row["Name"] == "Aggregated":
                figures.update(entry)
            else:
                figures["by_request"][row["Name"]] = entry
    return figures


def writes_checked(writes_path: Path, run: str) -> dict:
    """Every acknowledged write in the database with the content sent; nothing doubled."""
    from offerings.models import Offering

    acknowledged = [json.loads(line) for line in writes_path.read_text().splitlines() if line]
    stored = {
        row["slug"]: row
        for row in Offering.objects.filter(slug__startswith=f"load-{run}-").values(
            "slug", *CHECKED_FIELDS
        )
    }
    lost = [record["slug"] for record in acknowledged if record["slug"] not in stored]
    differing = [
        record["slug"]
        for record in acknowledged
        if record["slug"] in stored and not _same(record, stored[record["slug"]])
    ]
    sent = {record["slug"] for record in acknowledged}
    names = Offering.objects.filter(name__startswith=f"Load {run} ").values_list("name", flat=True)
    return {
        "acknowledged": len(acknowledged),
        "stored": len(stored),
        "lost": len(lost),
        "differing": len(differing),
        "doubled": len(names) - len(set(names)),
        "stored_without_acknowledgement": len(set(stored) - sent),
        "examples": {"lost": lost[:5], "differing": differing[:5]},
    }


def bench_writes_removed() -> int:
    """Delete the offerings that load runs and bench.cpu wrote (a run's are checked first),
    so that every run meets the database as seeded: a table grown by earlier runs makes counts
    and searches dearer, and two trees measured one after the other would not meet the same
    data."""
    from django.db import connection, transaction
    from django.db.models import Q

    from offerings.models import Offering

    written = Q(slug__startswith="load-") | Q(slug__startswith="cpu-")
    with transaction.atomic():
        deleted, _ = Offering.all_objects.filter(written).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if deleted and not connection.in_atomic_block:  # (a test's transaction: no)
                # The rows just deleted (and their history, assessments, events) leave dead
                # tuples: cleared now, not by an autovacuum during the next tree's run, which
                # made the second run of every interleaved pair the slower one.
                cursor.execute("VACUUM (ANALYZE)")
            else:
                cursor.execute("ANALYZE offerings_offering")
    return deleted


def _same(record: dict, row: dict) -> bool:
    for field in CHECKED_FIELDS:
        sent, kept = record[field], row[field]
        if field == "hard_cap":
            sent, kept = Decimal(sent), Decimal(kept)
        if sent != kept:
            return False
    return True


def cpu_seconds(process: subprocess.Popen) -> float:
    """CPU time (user + system) of a process and its children so far."""
    import psutil

    parent = psutil.Process(process.pid)
    total = 0.0
    for member in [parent, *parent.children(recursive=True)]:
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def postgres_cpu_seconds() -> float:
    """CPU time of the local PostgreSQL server: its processes now, plus what its exited
    backends spent (the postmaster's children times). 0 when none runs here."""
    import psutil

    total = 0.0
    for member in psutil.process_iter(["name"]):
        if member.info["name"] not in ("postgres", "postmaster"):
            continue
        try:
            times = member.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
        if member.ppid() == 1 or member.parent() is None or member.parent().name() != "postgres":
            total += times.children_user + times.children_system
    return total


def children_cpu_seconds() -> float:
    """CPU time of this process's waited-for children (locust, once it has exited)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def queued_rescores(redis_port: int) -> int:
    import redis

    return redis.Redis(port=redis_port, db=1).llen("celery")


def main() -> None:
    seconds, users = envint("LOAD_SECONDS", 60), envint("LOAD_USERS", 30)
    from config import gunicorn as production

    # Production's gunicorn (config/gunicorn.py): its worker class, processes and threads.
    workers = envint("LOAD_WORKERS", production.workers)
    threads = envint("LOAD_THREADS", production.threads)
    scale = envint("LOAD_SCALE", 10_000)
    baseline = os.environ.get("LOAD_BASELINE", "").strip()
    # With a baseline, an even number of rounds: each tree goes first as often as second.
    rounds = envint("LOAD_ROUNDS", 4 if baseline else 1)
    database_url = os.environ.get(
        "BENCH_LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ow_bench_load"
    )
    if not shutil.which("redis-server"):
        raise SystemExit("redis-server is not installed: the load test needs Redis")
    from bench.harness import database_configured

    database_configured(database_url)
    bench_writes_removed()  # what an interrupted run left
    load_env = prepared(scale, sessions=users)
    settings = {
        "seconds": seconds,
        "users": users,
        "workers": workers,
        "threads": threads,
        "scale": scale,
        "database_url": database_url,
        "load_env": load_env,
    }
    with tempfile.TemporaryDirectory(prefix="ow-load-trees-") as scratch:
        trees = {"this tree": ROOT}
        if baseline:
            from bench.cpu import exported

            base = Path(scratch) / "baseline"
            base.mkdir()
            trees = {f"baseline {baseline}": exported(baseline, base), **trees}
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for number in range(rounds):
            # Alternate which tree goes first, so that both see the same machine.
            order = list(trees) if number % 2 == 0 else list(reversed(trees))
            for name in order:
                report = one_run(trees[name], **settings)
                runs[name].append(report)
                print(f"== round {number + 1}, {name}", file=sys.stderr)
                print(report_table(report), file=sys.stderr)
    if len(runs) == 1 and rounds == 1:
        report = runs["this tree"][0]
        print(report_table(report))
    else:
        report = comparison(runs)
        print(comparison_table(report))
    REPORT_PATH.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {REPORT_PATH}")


def one_run(
    tree: Path,
    *,
    seconds: int,
    users: int,
    workers: int,
    threads: int,
    scale: int,
    database_url: str,
    load_env: dict,
) -> dict:
    """One load test of gunicorn serving `tree` (this checkout, or a baseline's export) with a
    Redis of its own; locust and the checks are this checkout's."""
    from bench.harness import machine

    run = secrets.token_hex(4)
    workdir = Path(tempfile.mkdtemp(prefix="ow-load-"))
    redis_port, port = free_port(), free_port()
    host = f"http://127.0.0.1:{port}"
    with ExitStack() as cleanup:
        redis_log = cleanup.enter_context((workdir / "redis.log").open("wb"))
        redis = subprocess.Popen(
            [
                *("redis-server", "--port", str(redis_port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(workdir)),
            ],
            stdout=redis_log,
            stderr=subprocess.STDOUT,
        )
        cleanup.callback(stopped, redis)
        server_log = cleanup.enter_context((workdir / "gunicorn.log").open("wb"))
        metrics_dir = workdir / "prometheus"
        metrics_dir.mkdir()
        server = subprocess.Popen(
            [
                *(str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}"),
                # This checkout's production configuration, for a baseline's tree too.
                *("--config", str(ROOT / "config" / "gunicorn.py")),
                *("--workers", str(workers), "--threads", str(threads)),
                *("--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning"),
            ],
            cwd=tree,
            env={
                **server_env(database_url, redis_port),
                "PYTHONPATH": str(tree),
                # Production's metrics (make prod): shared by the workers through files.
                "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            },
            stdout=server_log,
            stderr=subprocess.STDOUT,
        )
        cleanup.callback(stopped, server)
        wait_until(lambda: answers(f"{host}/accounts/login/"), timeout=60, what="gunicorn")
        print(f"gunicorn: {workers} workers x {threads} threads on {host}", file=sys.stderr)

        prefix, writes_path = workdir / "locust", workdir / "writes.jsonl"
        status_path = workdir / "status.json"
        writes_path.touch()
        server_cpu_before = cpu_seconds(server)
        redis_cpu_before = cpu_seconds(redis)
        postgres_cpu_before = postgres_cpu_seconds()
        locust_cpu_before = children_cpu_seconds()
        started = time.monotonic()
        subprocess.run(
            [
                *(str(BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", host),
                *("--users", str(users), "--spawn-rate", str(users), "--run-time", f"{seconds}s"),
                *("--csv", str(prefix), "--only-summary", "--stop-timeout", "10"),
                *("--loglevel", "WARNING"),
            ],
            cwd=ROOT,
            env={
                **os.environ,
                **load_env,
                "PYTHONPATH": str(ROOT),
                "LOAD_RUN": run,
                "LOAD_WRITES_FILE": str(writes_path),
                "LOAD_STATUS_FILE": str(status_path),
            },
            timeout=seconds + 120,
            check=False,
        )
        elapsed = time.monotonic() - started
        server_cpu = cpu_seconds(server) - server_cpu_before
        redis_cpu = cpu_seconds(redis) - redis_cpu_before
        postgres_cpu = postgres_cpu_seconds() - postgres_cpu_before
        locust_cpu = children_cpu_seconds() - locust_cpu_before
        status = {int(code): n for code, n in json.loads(status_path.read_text()).items()}
        queued = queued_rescores(redis_port)

    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "tree": str(tree),
        "logs": str(workdir),
        "seconds": seconds,
        "elapsed_s": round(elapsed, 1),
        "users": users,
        "gunicorn": {"workers": workers, "threads": threads},
        "scale": scale,
        **locust_figures(prefix),
        "status_counts": status,
        "errors_5xx": sum(n for code, n in status.items() if code >= 500),
        "connection_errors": status.get(0, 0),
        "writes": writes_checked(writes_path, run),
        "writes_removed": bench_writes_removed(),
        "rescores_queued": queued,
        # Where the time goes: CPU of gunicorn (all workers) per request, against 2 cores.
        "server_cpu_s": round(server_cpu, 1),
        "machine": machine(),
    }
    report["server_cpu_ms_per_request"] = round(1000 * server_cpu / max(report["requests"], 1), 1)
    # The whole machine's CPU per request, by process: the 2 cores' budget at 300 requests/s is
    # 6.7 ms for all of them together.
    report["cpu_ms_per_request"] = {
        name: round(1000 * seconds / max(report["requests"], 1), 2)
        for name, seconds in (
            ("gunicorn", server_cpu),
            ("postgresql", postgres_cpu),
            ("redis", redis_cpu),
            ("locust", locust_cpu),
        )
    }
    report["goals"] = {
        "requests_per_s >= 300": report["requests_per_s"] >= GOAL_RPS,
        "p95 <= 250 ms": report["p95_ms"] <= GOAL_P95_MS,
        "zero failed requests": report["failures"] == 0,
        "zero 5xx": report["errors_5xx"] == 0,
        "zero lost writes": report["writes"]["lost"] == 0
        and report["writes"]["differing"] == 0
        and report["writes"]["doubled"] == 0,
    }
    return report


# The figures compared between trees: higher is better for the rate, lower for the rest.
COMPARED = ("requests_per_s", "p50_ms", "p95_ms", "cpu gunicorn", "cpu postgresql", "cpu total")


def _compared(report: dict) -> dict:
    cpu = report["cpu_ms_per_request"]
    return {
        "requests_per_s": report["requests_per_s"],
        "p50_ms": report["p50_ms"],
        "p95_ms": report["p95_ms"],
        "cpu gunicorn": cpu["gunicorn"],
        "cpu postgresql": cpu["postgresql"],
        "cpu total": round(sum(cpu.values()), 2),
    }


def comparison(runs: dict[str, list[dict]]) -> dict:
    """Each tree's median of every compared figure over its rounds and, with a baseline, the
    median of the paired ratios (this tree's gain: baseline/this for costs, this/baseline for
    the rate) with their spread; plus every round's own report."""
    import statistics

    from bench.harness import summary_of_pairs

    names = list(runs)
    figures = {name: [_compared(report) for report in runs[name]] for name in names}
    result: dict = {
        "rounds": len(runs[names[-1]]),
        "medians": {
            name: {
                key: round(statistics.median(f[key] for f in figures[name]), 2) for key in COMPARED
            }
            for name in names
        },
        "runs": runs,
        # Per tree: a baseline missing a goal says nothing about this tree's.
        "goals_met_in_every_round": {
            name: {
                goal: all(r["goals"][goal] for r in runs[name]) for goal in runs[name][0]["goals"]
            }
            for name in names
        },
    }
    if len(names) == 2:
        base, this = figures[names[0]], figures[names[1]]
        result["gain"] = {
            key: summary_of_pairs(
                [
                    (t[key] / b[key]) if key == "requests_per_s" else (b[key] / t[key])
                    for b, t in zip(base, this, strict=True)
                    if b[key] and t[key]
                ]
            )
            for key in COMPARED
        }
    return result


def comparison_table(result: dict) -> str:
    names = list(result["medians"])
    lines = [f"Load test, {result['rounds']} rounds per tree, interleaved (medians)"]
    lines.append(
        f"  {'figure':<16}"
        + "".join(f"{name:>24}" for name in names)
        + ("   gain (median of pairs, range)" if "gain" in result else "")
    )
    for key in COMPARED:
        row = f"  {key:<16}" + "".join(f"{result['medians'][n][key]:>24.2f}" for n in names)
        if "gain" in result:
            gain = result["gain"][key]
            row += f"   {gain['median']:.2f}x ({gain['min']:.2f}-{gain['max']:.2f})"
        lines.append(row)
    for goal in result["goals_met_in_every_round"][names[-1]]:
        verdicts = "; ".join(
            f"{name}: {'met' if goals[goal] else 'missed'}"
            for name, goals in result["goals_met_in_every_round"].items()
        )
        lines.append(f"  goal {goal} in every round: {verdicts}")
    return "\n".join(lines)


def report_table(report: dict) -> str:
    writes = report["writes"]
    lines = [
        f"Load test: {report['users']} locust users for {report['seconds']} s against gunicorn "
        f"{report['gunicorn']['workers']}x{report['gunicorn']['threads']}, "
        f"{report['scale']:,} offerings",
        f"  requests      {report['requests']:,} ({report['requests_per_s']:,.1f}/s)",
        f"  latency       p50 {report['p50_ms']:.0f} ms, p95 {report['p95_ms']:.0f} ms, "
        f"p99 {report['p99_ms']:.0f} ms",
        f"  errors        {report['failures']} failed requests, {report['errors_5xx']} 5xx, "
        f"{report['connection_errors']} connection errors",
        f"  writes        {writes['acknowledged']} acknowledged, {writes['lost']} lost, "
        f"{writes['differing']} differing, {writes['doubled']} doubled, "
        f"{writes['stored_without_acknowledgement']} stored without acknowledgement",
        f"  rescores      {report['rescores_queued']} tasks queued for a worker",
        f"  server CPU    {report['server_cpu_s']} s in gunicorn, "
        f"{report['server_cpu_ms_per_request']} ms per request",
        "  CPU ms/req    "
        + ", ".join(f"{name} {ms}" for name, ms in report["cpu_ms_per_request"].items())
        + f" (total {sum(report['cpu_ms_per_request'].values()):.1f})",
    ]
    for name, entry in sorted(report["by_request"].items()):
        lines.append(
            f"    {name:<14} {entry['requests']:>6} req  {entry['requests_per_s']:>6.1f}/s  "
            f"p50 {entry['p50_ms']:>5.0f}  p95 {entry['p95_ms']:>5.0f}  "
            f"p99 {entry['p99_ms']:>5.0f} ms  {entry['failures']} failed"
        )
    for goal, met in report["goals"].items():
        lines.append(f"  goal {goal}: {'met' if met else 'missed'}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
