"""GET /metrics: the Prometheus text format, for a scraper holding the bearer token
(OPS_METRICS_TOKEN) or calling from an allowed network (OPS_METRICS_ALLOWED_IPS).

Besides the samples every process records (ops/metrics.py, summed across processes in
multiprocess mode), two families are read at scrape time: the Celery queue lengths from the
broker, and the circuit-breaker state of each provider."""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from api.addresses import client_ip, ip_allowed


class QueueLengthCollector:
    """Messages waiting in each Celery queue (Redis broker only; others report nothing)."""

    def collect(self):
        family = GaugeMetricFamily(
            "offerwatch_celery_queue_length",
            "Messages waiting in a Celery queue.",
            labels=["queue"],
        )
        if settings.CELERY_TASK_ALWAYS_EAGER or not settings.CELERY_BROKER_URL.startswith(
            ("redis://", "rediss://")
        ):
            yield family
            return
        import redis

        try:
            client = redis.Redis.from_url(
                settings.CELERY_BROKER_URL, socket_timeout=1, socket_connect_timeout=1
            )
            for queue in settings.OPS_CELERY_QUEUES:
                family.add_metric([queue], client.llen(queue))
        except redis.RedisError:
            pass  # an unreachable broker shows as missing samples (and in /readyz)
        yield family


class BreakerStateCollector:
    """1 while a provider's circuit is open, else 0 (shared state when it lives in Redis)."""

    def collect(self):
        from offerings.resilience import breakers_known
        from offerings.shared_guards import breakers_open_in_redis, redis_client_from_cache

        family = GaugeMetricFamily(
            "offerwatch_provider_circuit_open",
            "1 while the provider's circuit breaker is open.",
            labels=["provider"],
        )
        state: dict[str, bool] = {}
        try:
            client = redis_client_from_cache()
            if client is not None:
                state = breakers_open_in_redis(client)
            else:
                state = {name: breaker.is_open for name, breaker in breakers_known().items()}
        except Exception:  # a Redis hiccup must not fail the whole scrape
            pass
        for provider, is_open in sorted(state.items()):
            family.add_metric([provider], 1.0 if is_open else 0.0)
        yield family


def registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        MultiProcessCollector(collected)
    else:
        collected = CollectorRegistry()
        collected.register(_ProcessRegistry())
    collected.register(QueueLengthCollector())
    collected.register(BreakerStateCollector())
    return collected


class _ProcessRegistry:
    """This process's own samples (single-process mode: runserver, tests)."""

    def collect(self):
        yield from REGISTRY.collect()


def scraper_allowed(request) -> bool:
    token = settings.OPS_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").encode(), token.encode())
    allowed = settings.OPS_METRICS_ALLOWED_IPS
    return bool(allowed) and ip_allowed(client_ip(request), allowed)


@never_cache
@require_GET
def metrics_view(request):
    if not scraper_allowed(request):
        response = HttpResponse("metrics need a bearer token or an allowed address\n", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
