"""`make prod-smoke`: the production stack, started by `make prod`'s launcher on free ports
against a fresh PostgreSQL database and Redis DB 9, runs a scenario through its real
processes, is stopped with SIGTERM, and is checked for anything lost or left half-done.

The scenario: a signed API write; its rescore done by the worker (its log line carries the
write's request id); webhooks for it delivered to a local receiver and verified (Standard
Webhooks); a market refresh from the local fake CoinGecko on beat's schedule, shortened to a
few seconds; the metrics of all of it scraped from /metrics. Then a second write races the
SIGTERM: whatever was accepted must be stored, and its rescore and webhook done or still
queued (nothing taken and dropped). Exits non-zero on the first failure; bounded in time."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 170
METRICS_TOKEN = secrets.token_urlsafe(24)


class SmokeFailure(Exception):
    pass


def say(message: str) -> None:
    print(f"[smoke] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition: Callable[[], Any], *, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.25)
    raise SmokeFailure(f"timed out after {seconds} s waiting for {what}")


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)
    say(f"ok: {message}")


class Stack:
    """`python -m ops.prod` in a session of its own, its output in a log file."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ops.prod"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def json_lines(self, process: str) -> list[dict]:
        """The JSON log lines of one Procfile entry (honcho prefixes "hh:mm:ss name.1 | ")."""
        lines = []
        for line in self.log().splitlines():
            prefix, _, rest = line.partition(" | ")
            if prefix.rstrip().endswith(f"{process}.1") and rest.startswith("{"):
                try:
                    lines.append(json.loads(rest))
                except ValueError:
                    continue
        return lines

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        if self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def environment(work: Path, port: int, database_url: str, redis_url: str, fake_url: str) -> dict:
    secret = work / "secret_key"
    secret.write_text(secrets.token_urlsafe(64))
    secret.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_SECRET_KEY",))}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return env | {
        "DJANGO_DEBUG": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY_FILE": str(secret),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "PORT": str(port),
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "OFFERWATCH_STATE_DIR": str(work),
        "OFFERWATCH_STOP_TIMEOUT_S": "30",
        "OFFERWATCH_SITE_URL": f"http://127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "CELERY_CONCURRENCY": "2",
        "OPS_LOG_FORMAT": "json",
        "OPS_METRICS_TOKEN": METRICS_TOKEN,
        "OPS_BEAT_HEARTBEAT_SECONDS": "2",
        # Beat's market refresh every 3 s instead of 15 min, against the local fake.
        "MARKET_REFRESH_INTERVAL_S": "3",
        "COINGECKO_BASE_URL": fake_url,
        "COINGECKO_CALLS_PER_MINUTE": "600",
        "WEBHOOKS_ALLOW_PRIVATE_URLS": "1",
        "WEBHOOKS_ALLOW_HTTP": "1",
    }


def queued_tasks(redis_url: str) -> list[dict]:
    """The headers of every message waiting in the stack's queues."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(redis_url)
    headers = []
    for queue in settings.OPS_CELERY_QUEUES:
        for raw in client.lrange(queue, 0, -1):
            headers.append(json.loads(raw)["headers"])
    return headers


class Scenario:
    def __init__(self, stack: Stack, base_url: str, redis_url: str, fake, receiver) -> None:
        self.stack, self.base_url, self.redis_url = stack, base_url, redis_url
        self.fake, self.receiver = fake, receiver

    # ---- set-up through the services, as an operator's shell would -------------------------

    def prepare(self) -> None:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from django.contrib.auth import get_user_model

        from api.services import api_key_create
        from api.signing import public_key_text
        from api.webhooks.services import endpoint_create
        from diligence.roles import role_assign
        from tests.fakes.coingecko import market_entry

        user = get_user_model().objects.create_user("smoke-machine", password=None)
        role_assign(user=user, role="editor")
        self.private_key = Ed25519PrivateKey.generate()
        _, self.key = api_key_create(
            user=user,
            name="smoke",
            scopes=["offerings:read", "offerings:write"],
            allowed_ips=["127.0.0.1/32"],
            public_key=public_key_text(self.private_key),
        )
        self.endpoint, self.webhook_secret = endpoint_create(
            owner=user,
            url=f"{self.receiver.url}/hook",
            events=["offering.created", "assessment.changed"],
        )
        self.fake.markets["smoke-coin"] = market_entry("smoke-coin", "1.25")

    def client(self):
        from api.client import OfferwatchClient

        return OfferwatchClient(self.base_url, self.key, self.private_key, timeout=20)

    # ---- the scenario -------------------------------------------------------------------------

    def signed_write(self) -> dict:
        with self.client() as api:
            response = api.post(
                "/api/v1/offerings/",
                json={"name": "Smoke Signal", "kind": "ico", "coingecko_id": "smoke-coin"},
            )
        check(
            response.status_code == 201, f"a signed API write is accepted ({response.status_code})"
        )
        return {"slug": response.json()["slug"], "request_id": response.headers["X-Request-ID"]}

    def rescored_by_the_worker(self, written: dict) -> None:
        from diligence.models import Assessment

        wait_for(
            lambda: Assessment.objects.filter(offering__slug=written["slug"]).exists(),
            seconds=30,
            what="the written offering's assessment",
        )

        def worker_line():
            for line in self.stack.json_lines("worker"):
                message = line.get("message", "")
                rescored = "rescore_offerings" in message and "succeeded" in message
                if rescored and line.get("request_id") == written["request_id"]:
                    return line
            return None

        wait_for(worker_line, seconds=15, what="the worker's log line of the rescore")
        check(True, "the rescore ran in the worker, its log line carries the write's request id")

    def webhooks_verified(self, written: dict) -> None:
        from standardwebhooks.webhooks import Webhook

        def events() -> set[str]:
            seen = set()
            for received in list(self.receiver.received):
                payload = Webhook(self.webhook_secret).verify(received.body, received.headers)
                if payload["data"].get("slug") == written["slug"] or written["slug"] in json.dumps(
                    payload["data"]
                ):
                    seen.add(payload["type"])
            return seen if {"offering.created", "assessment.changed"} <= seen else set()

        wait_for(events, seconds=30, what="offering.created and assessment.changed webhooks")
        check(True, "webhooks delivered to the local receiver and their signatures verified")

    def market_refreshed_by_beat(self, written: dict) -> None:
        from offerings.models import MarketSnapshot

        wait_for(
            lambda: MarketSnapshot.objects.filter(offering__slug=written["slug"]).exists(),
            seconds=30,
            what="a market snapshot from beat's refresh",
        )
        beat_sent = any(
            "refresh-market-data" in line.get("message", "")
            for line in self.stack.json_lines("beat")
        )
        fetched = any(request.path == "/coins/markets" for request in self.fake.requests)
        check(beat_sent and fetched, "beat queued the market refresh, the fake provider served it")

    def metrics_scraped(self) -> None:
        from prometheus_client.parser import text_string_to_metric_families

        response = httpx.get(
            f"{self.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
        )
        check(response.status_code == 200, "/metrics answers the scraper holding the token")
        samples = {}
        for family in text_string_to_metric_families(response.text):
            for sample in family.samples:
                samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value

        def total(name: str, **labels: str) -> float:
            wanted = set(labels.items())
            return sum(v for (n, ls), v in samples.items() if n == name and wanted <= set(ls))

        expected = {
            "API write latency (route api:offerings, 201)": total(
                "offerwatch_request_duration_seconds_count", route="api:offerings", status="201"
            ),
            "rescore task runtimes": total(
                "offerwatch_celery_task_duration_seconds_count",
                task="diligence.tasks.rescore_offerings",
            ),
            "offerings rescored": total("offerwatch_offerings_rescored_total"),
            "webhook deliveries succeeded": total(
                "offerwatch_webhook_deliveries_total", outcome="succeeded"
            ),
            "coingecko calls": total("offerwatch_provider_calls_total", provider="coingecko"),
            "queries per request": total("offerwatch_request_db_queries_count"),
        }
        missing = [name for name, value in expected.items() if value <= 0]
        check(not missing, f"the metrics carry every series (missing: {missing or 'none'})")
        queues = {ls for (n, ls) in samples if n == "offerwatch_celery_queue_length"}
        check(len(queues) == 3, "queue lengths are exported for the three named queues")

    def ready(self) -> None:
        response = httpx.get(f"{self.base_url}/readyz", timeout=10)
        body = response.json()
        check(response.status_code == 200, f"/readyz is ready: {json.dumps(body['checks'])}")
        check("127.0.0.1" not in response.text, "/readyz names no host")

    # ---- stop ---------------------------------------------------------------------------------

    def stop_during_writes(self) -> None:
        """Writers keep posting while the stack gets SIGTERM: each write is either answered 201
        and fully stored, or never started (refused, or reset while still in the listen
        backlog, and then nothing of it is stored). A write stored whose answer was lost would
        be a request cut off in flight."""
        accepted: list[str] = []
        problems: list[str] = []
        reset: list[str] = []

        def writer(number: int) -> None:
            with self.client() as api:
                for attempt in range(200):
                    name = f"Smoke Racer {number}-{attempt}"
                    try:
                        response = api.post(
                            "/api/v1/offerings/", json={"name": name, "kind": "ico"}
                        )
                    except httpx.ConnectError:
                        return  # the server stopped listening: never started, nothing to check
                    except httpx.TransportError:
                        reset.append(name)  # checked below: stored means cut off in flight
                        return
                    if response.status_code != 201:
                        problems.append(f"{name}: HTTP {response.status_code}")
                        return
                    accepted.append(name)

        writers = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
        for thread in writers:
            thread.start()
        time.sleep(0.5)
        self.stack.terminate()
        for thread in writers:
            thread.join(timeout=60)
        self.stack.process.wait(timeout=60)
        log = self.stack.log()
        from offerings.models import Offering

        cut_off = list(Offering.objects.filter(name__in=reset).values_list("name", flat=True))
        say(f"  {len(reset)} writes reset before a worker took them, none stored: {not cut_off}")
        check(not cut_off, f"no write was stored with its answer lost ({cut_off[:3]})")
        check(not problems, f"no write failed during the stop ({problems[:3]})")
        check(bool(accepted), f"writes were accepted while the stop began ({len(accepted)})")
        check("SIGKILL" not in log, "every process stopped on SIGTERM, none had to be killed")
        for name in ("web", "worker", "beat"):
            check(f"{name}.1 stopped (rc=0)" in log, f"{name} stopped cleanly (rc=0)")
        self.nothing_lost(accepted)

    def nothing_lost(self, accepted: list[str]) -> None:
        import redis

        from api.webhooks.models import WebhookDelivery
        from diligence.models import Assessment
        from offerings.models import Offering

        stored = dict(Offering.objects.filter(name__in=accepted).values_list("name", "pk"))
        check(len(stored) == len(accepted), f"all {len(accepted)} accepted writes are stored")
        queued = queued_tasks(self.redis_url)
        waiting = " ".join(
            str(h.get("argsrepr", ""))
            for h in queued
            if h.get("task") == "diligence.tasks.rescore_offerings"
        )
        assessed = set(
            Assessment.objects.filter(offering_id__in=stored.values()).values_list(
                "offering_id", flat=True
            )
        )
        unscored = [pk for pk in stored.values() if pk not in assessed and str(pk) not in waiting]
        check(not unscored, f"every accepted write's rescore is done or still queued {unscored}")
        say(f"  {len(assessed)} rescored before the stop, {len(stored) - len(assessed)} queued")
        deliveries = " ".join(
            str(h.get("argsrepr", ""))
            for h in queued
            if h.get("task") == "api.webhooks.tasks.deliver_webhooks"
        )
        undone = WebhookDelivery.objects.exclude(status=WebhookDelivery.Status.SUCCEEDED)
        lost = [d.pk for d in undone if str(d.pk) not in deliveries]
        check(not lost, f"every webhook delivery is done or still queued {lost}")
        unacked = redis.Redis.from_url(self.redis_url).hlen("unacked")
        check(unacked == 0, "no message was taken by a worker and left unacknowledged")


def main() -> int:
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="offerwatch-smoke-"))
    postgres = os.environ.get("SMOKE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    redis_url = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379/9")
    database_url = f"{postgres}/ow_smoke_{secrets.token_hex(4)}"
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"

    from ops.prod import database_drop, postgres_ensure, redis_ensure
    from tests.api.webhooks.receiver import Receiver
    from tests.fakes.coingecko import FakeCoinGecko

    redis_ensure(redis_url, work)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    postgres_ensure(database_url)

    fake = FakeCoinGecko().start()
    receiver = Receiver().__enter__()
    env = environment(work, port, database_url, redis_url, fake.url)
    stack = Stack(env, work / "stack.log")
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(BUDGET_S)
    failed = False
    try:
        say(f"starting the stack on {base_url} (log: {stack.log_path})")
        stack.start()
        wait_for(lambda: _ready(base_url) or not stack.alive(), seconds=90, what="/readyz 200")
        if not stack.alive():
            raise SmokeFailure("the stack exited while starting")
        say(f"stack ready after {time.monotonic() - started:.0f} s")
        os.environ.update(env)
        import django

        django.setup()
        scenario = Scenario(stack, base_url, redis_url, fake, receiver)
        scenario.ready()
        scenario.prepare()
        written = scenario.signed_write()
        scenario.rescored_by_the_worker(written)
        scenario.webhooks_verified(written)
        scenario.market_refreshed_by_beat(written)
        scenario.metrics_scraped()
        scenario.stop_during_writes()
    except Exception as exc:  # any failure fails the smoke test, with the stack's log
        failed = True
        say(f"FAILED: {type(exc).__name__}: {exc}")
        print(stack.log()[-6000:], file=sys.stderr)
    finally:
        signal.alarm(0)
        stack.terminate()
        if stack.alive():
            try:
                stack.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                stack.kill()
        receiver.__exit__(None, None, None)
        fake.stop()
        _close_connections()
        database_drop(database_url)
        redis.Redis.from_url(redis_url).flushdb()
        if not failed:
            shutil.rmtree(work, ignore_errors=True)
    took = time.monotonic() - started
    say(f"{'FAILED' if failed else 'passed'} in {took:.0f} s")
    return 1 if failed else 0


def _ready(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/readyz", timeout=10).status_code == 200
    except httpx.HTTPError:
        return False


def _out_of_time(signum, frame) -> None:
    raise SmokeFailure(f"the smoke test ran past its {BUDGET_S} s budget")


def _close_connections() -> None:
    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # Django never set up: nothing to close
        pass


if __name__ == "__main__":
    sys.exit(main())
