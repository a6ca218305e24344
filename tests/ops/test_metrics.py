"""/metrics: scraped over HTTP like Prometheus would, guarded by a token or an allowlist, and
carrying the series the issue lists (requests, queries, tasks, providers, rescoring, webhooks)."""

from __future__ import annotations

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from api.webhooks.services import endpoint_create, endpoint_ping
from config.celery import app
from diligence.tasks import rescore_offerings
from offerings.resilience import (
    Backoff,
    ProviderError,
    ResilientJSON,
    guards_reset,
    guards_shared,
)
from tests.api.webhooks.receiver import Receiver
from tests.conftest import with_role
from tests.factories import OfferingFactory, UserFactory
from tests.fakes.coingecko import FakeCoinGecko, Fault
from tests.integration.conftest import ApiCaller, redis_server

__all__ = ["redis_server"]  # the fixture

pytestmark = pytest.mark.django_db

TOKEN = "metrics-test-token-0123456789abcdef"  # pragma: allowlist secret


@pytest.fixture(autouse=True)
def _token(settings):
    settings.OPS_METRICS_TOKEN = TOKEN
    settings.OPS_METRICS_ALLOWED_IPS = []


def scrape(client: Client) -> dict[tuple[str, frozenset], float]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def test_metrics_need_the_token_or_an_allowed_address(client, settings):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    settings.OPS_METRICS_ALLOWED_IPS = ["10.1.0.0/16"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.2.0.1").status_code == 401


def test_request_latency_and_queries_are_labelled_by_route_never_by_path(client):
    offering = OfferingFactory(slug="metric-probe-offering")
    before = scrape(client)
    caller = ApiCaller(client)
    assert caller.get(f"/api/v1/offerings/{offering.slug}/").status_code == 200
    client.get("/no/such/page/123")

    after = scrape(client)

    labels = {"route": "api:offering", "method": "GET", "status": "200"}
    count = "offerwatch_request_duration_seconds_count"
    assert value(after, count, **labels) == value(before, count, **labels) + 1
    assert value(after, count, route="unmatched", method="GET", status="404") >= 1
    queries = "offerwatch_request_db_queries_sum"
    assert value(after, queries, route="api:offering") > value(
        before, queries, route="api:offering"
    )
    assert not [key for key in after if "metric-probe-offering" in str(key)]
    assert not [key for key in after if "/no/such" in str(key)]


def test_task_runtimes_failures_and_rescoring_throughput(client):
    offerings = OfferingFactory.create_batch(3)
    boom = app.task(name="tests.ops.boom", bind=False)(_boom)
    before = scrape(client)

    rescore_offerings.delay([offering.pk for offering in offerings])
    # As a worker runs it (an eager call that propagates raises before the failure signal).
    assert boom.apply(throw=False).state == "FAILURE"

    after = scrape(client)
    runtime = "offerwatch_celery_task_duration_seconds_count"
    rescore = {"task": "diligence.tasks.rescore_offerings", "state": "SUCCESS"}
    assert value(after, runtime, **rescore) == value(before, runtime, **rescore) + 1
    failures = "offerwatch_celery_task_failures_total"
    assert (
        value(after, failures, task="tests.ops.boom")
        == value(before, failures, task="tests.ops.boom") + 1
    )
    rescored = "offerwatch_offerings_rescored_total"
    gained = sum(
        value(after, rescored, result=r) - value(before, rescored, result=r)
        for r in ("assessed", "unchanged")
    )
    assert gained == 3


def _boom():
    raise RuntimeError("boom")


def test_provider_calls_errors_retries_and_the_breaker_state(client):
    guards_reset()
    limiter, breaker = guards_shared(
        ("metricsprobe", "http://fake"), calls_per_minute=6000, failures=2, cooldown=60
    )
    before = scrape(client)
    with FakeCoinGecko() as fake:
        fake.markets["btc"] = {"id": "btc"}
        fake.fail("/coins/markets", Fault("500"), Fault("500"))
        http = ResilientJSON(
            provider="metricsprobe",
            base_url=fake.url,
            limiter=limiter,
            breaker=breaker,
            max_retries=1,
            backoff=Backoff(base=0.0, cap=0.0),
            sleep=lambda seconds: None,
        )
        with pytest.raises(ProviderError):
            http.get_json("/coins/markets", {"vs_currency": "usd", "ids": "btc"})
        http.close()

    after = scrape(client)
    calls = "offerwatch_provider_calls_total"
    assert (
        value(after, calls, provider="metricsprobe", outcome="error")
        - value(before, calls, provider="metricsprobe", outcome="error")
        == 2
    )
    assert (
        value(after, calls, provider="metricsprobe", outcome="retried")
        - value(before, calls, provider="metricsprobe", outcome="retried")
        == 1
    )
    opened = "offerwatch_provider_breaker_opened_total"
    assert (
        value(after, opened, provider="metricsprobe")
        == value(before, opened, provider="metricsprobe") + 1
    )
    assert value(after, "offerwatch_provider_circuit_open", provider="metricsprobe") == 1.0
    guards_reset()


def test_webhook_deliveries_by_outcome(client, settings, django_capture_on_commit_callbacks):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    owner = with_role(UserFactory(username="metrics-hook-owner"), "analyst")
    before = scrape(client)
    with Receiver() as receiver:
        endpoint, _ = endpoint_create(owner=owner, url=receiver.url, events=["offering.created"])
        with django_capture_on_commit_callbacks(execute=True):
            endpoint_ping(endpoint=endpoint)
        assert len(receiver.received) == 1

    after = scrape(client)
    name = "offerwatch_webhook_deliveries_total"
    assert value(after, name, outcome="succeeded") == value(before, name, outcome="succeeded") + 1


def test_queue_lengths_are_exported_per_named_queue(client, settings, redis_server):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = redis_server.url
    import redis

    redis.Redis.from_url(redis_server.url).rpush("market", "x", "y")

    samples = scrape(client)

    assert value(samples, "offerwatch_celery_queue_length", queue="market") == 2
    assert value(samples, "offerwatch_celery_queue_length", queue="contract-check") == 0
    assert ("offerwatch_celery_queue_length", frozenset({("queue", "celery")})) in samples


def test_the_breaker_state_of_every_process_is_read_from_redis(client, settings, redis_server):
    """A web process that never called the provider still reports the circuit a worker
    opened, when the breakers live in Redis."""
    import redis

    from offerings.shared_guards import SharedCircuitBreaker

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
        }
    }
    guards_reset()
    worker_side = SharedCircuitBreaker(
        redis.Redis.from_url(redis_server.url),
        "offerwatch:provider:goplus:0123456789abcdef:breaker",
        failures=1,
        cooldown=60,
    )
    closed = SharedCircuitBreaker(
        redis.Redis.from_url(redis_server.url),
        "offerwatch:provider:etherscan:0123456789abcdef:breaker",
        failures=3,
        cooldown=60,
    )
    worker_side.record_failure()
    closed.record_failure()

    samples = scrape(client)

    assert value(samples, "offerwatch_provider_circuit_open", provider="goplus") == 1.0
    assert ("offerwatch_provider_circuit_open", frozenset({("provider", "etherscan")})) in samples
    assert value(samples, "offerwatch_provider_circuit_open", provider="etherscan") == 0.0
