"""CPU per request by route, through the whole Django stack (middleware, auth, throttles,
views, templates; the Django test client instead of gunicorn), with production settings
against the load test's database and a Redis of its own (cache, throttle counters, broker).

    .venv/bin/python -m bench.cpu                      # this tree
    .venv/bin/python -m bench.cpu --baseline 99d7626   # A/B against a commit, interleaved
    .venv/bin/python -m bench.cpu --profile "api list" # pyinstrument, one route
    .venv/bin/python -m bench.cpu --profile "api list" --functions  # cProfile, by own time
    .venv/bin/python -m bench.cpu --profile "api list" --queries    # the SQL of one request
    .venv/bin/python -m bench.cpu --profile mix --functions  # the whole mix, in its proportions
    BENCH_CPU_SORT=cumulative BENCH_CPU_LINES=150 .venv/bin/python -m bench.cpu \
        --profile "api write" --functions   # cProfile by cumulative time, 150 lines

The routes are the load test's mix (bench/load/locustfile.py). Each round runs every route
`--requests` times in a fresh process per tree (after a warm-up) and reads `time.process_time`,
and the CPU time of its PostgreSQL backend when the server runs here (the "(db)" rows);
with `--baseline` the rounds alternate between the commit (exported with `git archive`) and
this tree, so both see the same machine load, and the report gives each route's median CPU
per request per tree and the median of the paired ratios (baseline over this tree) with its
range. Writes bench/cpu.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import runpy
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORT_PATH = ROOT / "bench" / "cpu.json"
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/ow_bench_load"
ROUTES = ("api list", "api detail", "html page", "htmx fragment", "api write")
# The load test's weights per route (locustfile.py): what one request costs on average.
MIX = {"api list": 5, "api detail": 2, "html page": 1, "htmx fragment": 1, "api write": 1}


def _requests_by_route(env: dict) -> dict:
    """route -> a function making one request with a Django test client."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from django.test import Client

    from api.client import key_id_of, signature_headers

    # From this file's tree, whichever tree the worker imports the project from.
    mix = runpy.run_path(str(Path(__file__).with_name("load") / "mix.py"))
    API_LISTS, FRAGMENTS, KINDS, PAGES = (
        mix[n] for n in ("API_LISTS", "FRAGMENTS", "KINDS", "PAGES")
    )

    key = env["LOAD_API_KEY"]
    private_key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(env["LOAD_PRIVATE_KEY"]))
    slugs = env["LOAD_SLUGS"].split(",")
    client = Client()  # an API client: a key, no cookies
    browser = Client()  # a signed-in analyst
    browser.cookies["sessionid"] = env["LOAD_SESSIONS"].split(",")[0]
    api = {"HTTP_AUTHORIZATION": f"Bearer {key}", "HTTP_ACCEPT": "application/json"}
    run = uuid.uuid4().hex[:6]
    picks = random.Random(7)

    def ok(response, expected: int = 200) -> None:
        if response.status_code != expected:
            raise RuntimeError(
                f"{response.status_code} {response.get('Location', '')}: {response.content[:300]!r}"
            )

    def api_list() -> None:
        ok(client.get(f"/api/v1/offerings/{picks.choice(API_LISTS)}", **api))

    def api_detail() -> None:
        ok(client.get(f"/api/v1/offerings/{picks.choice(slugs)}/", **api))

    def html_page() -> None:
        ok(browser.get(picks.choice(PAGES)))

    def htmx_fragment() -> None:
        ok(browser.get(picks.choice(FRAGMENTS), HTTP_HX_REQUEST="true"))

    def api_write() -> None:
        number = uuid.uuid4().hex[:12]
        record = {
            "name": f"CPU {run} {number}",
            "slug": f"cpu-{run}-{number}",
            "symbol": f"C{number[:6].upper()}",
            "kind": picks.choice(KINDS),
            "website": f"https://cpu-{number}.example",
            "country": "CH",
            "hard_cap": "1000000",
            "description": "Written by bench/cpu.py.",
        }
        body = json.dumps(record).encode()
        path = "/api/v1/offerings/"
        signed = signature_headers(
            private_key=private_key,
            key_id=key_id_of(key),
            host="testserver",
            method="POST",
            path=path,
            query="",
            body=body,
        )
        headers = {
            f"HTTP_{name.upper().replace('-', '_')}": value for name, value in signed.items()
        }
        ok(
            client.post(
                path,
                data=body,
                content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=number,
                **api,
                **headers,
            ),
            201,
        )

    routes = {
        "api list": api_list,
        "api detail": api_detail,
        "html page": html_page,
        "htmx fragment": htmx_fragment,
        "api write": api_write,
    }
    return routes


def mixed(routes: dict):
    """One request of the load test's mix per call, the routes cycled in MIX's proportions."""
    cycle = [routes[name] for name, weight in MIX.items() for _ in range(weight)]
    position = iter(range(1 << 62))

    def request() -> None:
        cycle[next(position) % len(cycle)]()

    return request


def worker(*, requests: int, profile: str | None) -> dict:
    """In this process (Django configured by the environment): CPU ms per request by route."""
    import django

    django.setup()
    routes = _requests_by_route(dict(os.environ))
    if profile == "mix":
        routes["mix"] = mixed(routes)
    for request in routes.values():  # warm-up: connections, templates, caches
        for _ in range(5):
            request()
    if profile and os.environ.get("BENCH_CPU_QUERIES"):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            routes[profile]()
        return {"profile": "\n\n".join(q["sql"] for q in captured.captured_queries)}
    if profile and os.environ.get("BENCH_CPU_FUNCTIONS"):
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile(time.process_time)  # CPU, not waits
        profiler.enable()
        for _ in range(requests):
            routes[profile]()
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(
            os.environ.get("BENCH_CPU_SORT", "tottime")
        ).print_stats(int(os.environ.get("BENCH_CPU_LINES", "45")))
        return {"profile": out.getvalue()}
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        with profiler:
            for _ in range(requests):
                routes[profile]()
        return {"profile": profiler.output_text(unicode=True, color=False, show_all=False)}
    figures = {}
    database_cpu = _database_cpu()
    for name, request in routes.items():
        started, database_started = time.process_time(), database_cpu()
        for _ in range(requests):
            request()
        figures[name] = round(1000 * (time.process_time() - started) / requests, 3)
        figures[f"{name} (db)"] = round(1000 * (database_cpu() - database_started) / requests, 3)
    for suffix in ("", " (db)"):
        figures[f"mix{suffix}"] = round(
            sum(figures[f"{r}{suffix}"] * w for r, w in MIX.items()) / sum(MIX.values()), 3
        )
    return figures


def _database_cpu():
    """A function giving the CPU seconds (user + system) spent so far by this process's
    PostgreSQL backend, when the server runs on this machine; else always 0."""
    import psutil
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        backend = psutil.Process(pid)
        backend.cpu_times()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return lambda: 0.0

    def spent() -> float:
        times = backend.cpu_times()
        return times.user + times.system

    return spent


def _worker_env(tree: Path, prepared: dict, redis_url: str, database_url: str) -> dict:
    from bench.load.__main__ import server_env

    env = server_env(database_url, 0)
    env.update(prepared)
    env.update(
        {
            "PYTHONPATH": str(tree),
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ALLOWED_HOSTS": "testserver",
            "CACHE_URL": f"{redis_url}/0",
            "CELERY_BROKER_URL": f"{redis_url}/1",
        }
    )
    return env


def _run_worker(tree: Path, env: dict, *, requests: int, profile: str | None = None) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(tree)]
    command += ["--requests", str(requests)]
    if profile:
        command += ["--profile", profile]
    result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    if result.returncode:
        raise SystemExit(f"the worker in {tree} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def exported(revision: str, into: Path) -> Path:
    """The tree of `revision`, exported with git archive (the checkout is not touched)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision], cwd=ROOT, capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=100, help="per route and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", help="a git revision to compare with, interleaved")
    parser.add_argument(
        "--profile",
        choices=[*ROUTES, "mix"],
        help="print a pyinstrument profile of one route, or of the whole mix in its proportions",
    )
    parser.add_argument(
        "--functions",
        action="store_true",
        help="with --profile: cProfile's functions by own time instead of pyinstrument's tree",
    )
    parser.add_argument(
        "--queries", action="store_true", help="with --profile: the SQL of one request instead"
    )
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        sys.path.insert(0, str(args.worker))
        print(json.dumps(worker(requests=args.requests, profile=args.profile)))
        return

    from bench.harness import database_configured, redis_started, summary_of_pairs

    database_url = os.environ.get("BENCH_LOAD_DATABASE_URL", DEFAULT_DATABASE)
    database_configured(database_url)
    from bench.load.__main__ import bench_writes_removed, prepared

    bench_writes_removed()  # every run meets the database as seeded
    environment = prepared(int(os.environ.get("LOAD_SCALE", "10000")), sessions=1)
    with tempfile.TemporaryDirectory(prefix="ow-cpu-") as scratch, redis_started(scratch) as redis:
        trees = {"this tree": ROOT}
        if args.baseline:
            base = Path(scratch) / "baseline"
            base.mkdir()
            trees = {f"baseline {args.baseline}": exported(args.baseline, base), **trees}
        envs = {
            name: _worker_env(tree, environment, redis, database_url)
            for name, tree in trees.items()
        }
        if args.profile:
            for env in envs.values():
                if args.functions:
                    env["BENCH_CPU_FUNCTIONS"] = "1"
                if args.queries:
                    env["BENCH_CPU_QUERIES"] = "1"
            for name, tree in trees.items():
                print(f"== {name}: {args.profile}")
                print(
                    _run_worker(tree, envs[name], requests=args.requests, profile=args.profile)[
                        "profile"
                    ]
                )
            return
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        for round_number in range(args.rounds):
            order = list(trees) if round_number % 2 == 0 else list(reversed(trees))
            for name in order:
                runs[name].append(_run_worker(trees[name], envs[name], requests=args.requests))
                print(f"  round {round_number + 1} {name}: {runs[name][-1]}", file=sys.stderr)
    report = {"requests": args.requests, "rounds": args.rounds, "runs": runs, "routes": {}}
    names = list(trees)
    for route in [*ROUTES, "mix", *(f"{r} (db)" for r in [*ROUTES, "mix"])]:
        entry = {name: _median([run[route] for run in runs[name]]) for name in names}
        if len(names) == 2:
            pairs = [
                a[route] / b[route]
                for a, b in zip(runs[names[0]], runs[names[1]], strict=True)
                if b[route]
            ]
            if pairs:
                entry["ratio"] = summary_of_pairs(pairs)
        report["routes"][route] = entry
    print(report_table(report, names))
    REPORT_PATH.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {REPORT_PATH}")


def _median(values: list[float]) -> float:
    import statistics

    return round(statistics.median(values), 2)


def report_table(report: dict, names: list[str]) -> str:
    lines = [
        f"CPU ms per request, median of {report['rounds']} rounds of {report['requests']} "
        "requests per route"
    ]
    header = "".join(f"{name:>24}" for name in names)
    lines.append(
        f"  {'route':<20}{header}" + ("   ratio (median, range)" if len(names) == 2 else "")
    )
    for route, entry in report["routes"].items():
        row = "".join(f"{entry[name]:>24.2f}" for name in names)
        if "ratio" in entry:
            ratio = entry["ratio"]
            row += f"   {ratio['median']:.2f}x ({ratio['min']:.2f}-{ratio['max']:.2f})"
        lines.append(f"  {route:<20}{row}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
