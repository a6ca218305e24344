"""One JSON line per request (request id, route, status, duration, queries, who — never the
key), the request id carried into the Celery tasks a request queues, and quiet text logs by
default (make run stays as it was)."""

from __future__ import annotations

import json
import logging

import pytest
from django.test import Client

from config.celery import app
from ops.logs import JsonFormatter, request_id_var
from ops.tasks import beat_heartbeat
from tests.factories import OfferingFactory
from tests.integration.conftest import ApiCaller, CeleryWorker, _pools_reset, redis_server, wait_for

pytestmark = pytest.mark.django_db

__all__ = ["redis_server"]  # the fixture


@pytest.fixture
def request_lines(caplog):
    """The request log records, at INFO as production's JSON logging has them."""
    logger = logging.getLogger("offerwatch.requests")
    saved = logger.level
    logger.setLevel(logging.INFO)
    with caplog.at_level(logging.INFO, logger="offerwatch.requests"):
        yield lambda: [r for r in caplog.records if r.name == "offerwatch.requests"]
    logger.setLevel(saved)


def test_an_api_request_logs_one_json_line_with_its_key_id_but_never_the_key(request_lines):
    offering = OfferingFactory()
    caller = ApiCaller(Client())

    response = caller.get(f"/api/v1/offerings/{offering.slug}/")

    assert response.status_code == 200
    (record,) = request_lines()
    line = json.loads(JsonFormatter().format(record))
    assert line["route"] == "api:offering"
    assert line["status"] == 200
    assert line["method"] == "GET"
    assert line["queries"] >= 1
    assert line["duration_ms"] > 0
    assert line["key_id"] == caller.key.split("_")[2][:8]
    assert line["request_id"] == response["X-Request-ID"]
    assert caller.key not in json.dumps(line)
    assert offering.slug not in json.dumps(line)


def test_a_signed_in_users_request_logs_the_user_id(client, request_lines, analyst):
    client.force_login(analyst)
    client.get("/healthz")
    (record,) = request_lines()
    assert record.user_id == analyst.pk


def test_a_proxys_request_id_is_kept_and_a_malformed_one_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "lb-0123456789abcdef"})
    assert kept["X-Request-ID"] == "lb-0123456789abcdef"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert len(replaced["X-Request-ID"]) == 32


def test_development_logs_stay_human_readable_and_without_request_lines(settings):
    handler = logging.getLogger().handlers[0]
    assert settings.OPS_LOG_FORMAT == "text"
    assert not isinstance(handler.formatter, JsonFormatter)
    assert not logging.getLogger("offerwatch.requests").isEnabledFor(logging.INFO)


def test_an_eager_task_keeps_the_request_id_of_its_request():
    probe = app.task(name="tests.ops.request_id_probe")(_request_id_now)
    token = request_id_var.set("req-eager-0001")
    try:
        seen = probe.delay().result
    finally:
        request_id_var.reset(token)
    assert seen == "req-eager-0001"
    assert request_id_var.get() == ""


def _request_id_now() -> str:
    return request_id_var.get()


def test_a_task_queued_in_a_request_logs_its_request_id_in_the_worker(redis_server, tmp_path):
    worker = CeleryWorker(
        redis_server,
        tmp_path,
        "logs",
        OPS_LOG_FORMAT="json",
        DATABASE_URL=f"sqlite:///{tmp_path / 'unused.sqlite3'}",
    )
    worker.start()
    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    _pools_reset(app)
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    token = request_id_var.set("req-carried-0001")
    try:
        beat_heartbeat.delay()
    finally:
        request_id_var.reset(token)
        _pools_reset(app)
        app.conf.update(saved)

    def succeeded_line():
        for text in worker.log().splitlines():
            if text.startswith("{") and "succeeded" in text:
                return json.loads(text)
        return None

    try:
        line = wait_for(succeeded_line, timeout=30, what="the task's success line")
    finally:
        worker.stop()
    assert line["request_id"] == "req-carried-0001"
    assert "ops.tasks.beat_heartbeat" in line["message"]
