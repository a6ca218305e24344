"""/healthz and /readyz: what a load balancer sees, open without sign-in, throttled, and
turning 503 when the broker is down or beat's heartbeat is stale (a real redis-server and a
real Celery worker for those; they skip without redis-server)."""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache

from config.celery import app
from ops.heartbeat import beat_heartbeat_record
from tests.integration.conftest import CeleryWorker, _pools_reset, redis_server

pytestmark = pytest.mark.django_db

__all__ = ["redis_server"]  # the fixture, used below


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_healthz_answers_without_sign_in_and_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_readyz_on_the_embedded_default_is_ready_with_one_query(client, django_assert_num_queries):
    # One query: the latest migration of every app is recorded (it also proves the database).
    with django_assert_num_queries(1):
        response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "worker", "beat"}
    for check in body["checks"].values():
        assert check["status"] == "ok"
        assert isinstance(check["latency_ms"], float)


def test_readyz_fails_when_a_migration_is_not_applied(client, caplog):
    from django.db.migrations.recorder import MigrationRecorder

    from ops.health import _expected_migrations

    app_label, name = _expected_migrations()[0]
    MigrationRecorder.Migration.objects.filter(app=app_label, name=name).delete()

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"]["status"] == "fail"
    assert "not migrated" in response.json()["checks"]["database"]["detail"]
    # The probe's 503 is its answer, not a request error: django.request logs nothing for it.
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_the_probe_filter_drops_only_the_probes_503s():
    import logging

    from django.test import RequestFactory

    from ops.logs import ProbeAnswerFilter

    def record(path: str, status: int) -> logging.LogRecord:
        entry = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "x", (), None)
        entry.status_code, entry.request = status, RequestFactory().get(path)
        return entry

    probe = ProbeAnswerFilter()
    assert not probe.filter(record("/readyz", 503))
    assert probe.filter(record("/readyz", 500))  # a crash of the probe is still an error
    assert probe.filter(record("/api/v1/offerings/", 503))


def test_health_endpoints_are_throttled_per_client(client, settings):
    settings.OPS_HEALTH_RATE_PER_MINUTE = 3
    statuses = [client.get("/healthz").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = client.get("/healthz", REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


@pytest.fixture
def real_broker(redis_server, settings):
    """Celery publishes to (and /readyz checks) our own redis-server."""
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_server.url
    _pools_reset(app)
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    yield redis_server
    _pools_reset(app)
    app.conf.update(saved)


@pytest.fixture
def worker(real_broker, tmp_path, settings):
    """A real worker answering pings (it runs no task here, so needs no shared database)."""
    started = CeleryWorker(
        real_broker, tmp_path, "ready", DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    )
    started.start()
    yield started
    started.stop()


def test_readyz_is_ready_with_a_worker_and_a_fresh_heartbeat_then_fails_on_a_stale_one(
    client, worker, settings
):
    beat_heartbeat_record()
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.json()

    settings.OPS_READY_BEAT_MAX_AGE_MINUTES = 5
    beat_heartbeat_record(now=time.time() - 6 * 60)
    stale = client.get("/readyz")

    assert stale.status_code == 503
    checks = stale.json()["checks"]
    assert checks["beat"]["status"] == "fail"
    assert "limit 300 s" in checks["beat"]["detail"]
    assert [name for name, check in checks.items() if check["status"] == "fail"] == ["beat"]


def test_readyz_fails_when_the_broker_is_down_and_names_no_host(client, real_broker):
    beat_heartbeat_record()
    real_broker.stop()

    response = client.get("/readyz")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["status"] == "fail"
    assert checks["worker"]["detail"] == "not asked: the broker is unreachable"
    text = json.dumps(response.json())
    assert "127.0.0.1" not in text and str(real_broker.port) not in text


def test_readyz_fails_when_no_worker_answers(client, real_broker, settings):
    settings.OPS_READY_WORKER_TIMEOUT_S = 1
    beat_heartbeat_record()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["status"] == "fail"


def test_the_beat_heartbeat_task_is_scheduled_and_stamps_the_cache(settings):
    from ops.heartbeat import beat_heartbeat_age
    from ops.tasks import beat_heartbeat

    entry = settings.CELERY_BEAT_SCHEDULE["beat-heartbeat"]
    assert entry["task"] == "ops.tasks.beat_heartbeat"
    assert beat_heartbeat_age() is None
    beat_heartbeat.delay()
    assert beat_heartbeat_age() < 5
