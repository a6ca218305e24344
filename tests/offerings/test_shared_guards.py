"""Provider rate limits and circuit breakers shared through Redis: N worker processes against
one rate-limited local provider never exceed its limit together, and one process opening the
circuit stops the others. A real redis-server of the test's own (skips without)."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from offerings.resilience import (
    Backoff,
    CircuitBreaker,
    ProviderError,
    ProviderUnavailable,
    RateLimiter,
    ResilientJSON,
    guards_reset,
    guards_shared,
)
from offerings.shared_guards import SharedCircuitBreaker, SharedRateLimiter
from tests.fakes.metered import MeteredProvider
from tests.integration.conftest import redis_server

__all__ = ["redis_server"]  # the fixture

PROCESSES = 4
CALLS_EACH = 9
PROVIDER_LIMIT_PER_S = 10
# Configured a little under the provider's limit, as an operator would set it.
CALLS_PER_MINUTE = 540


def _calls(redis_url: str | None, provider_url: str, calls: int, start_at: float, out) -> None:
    """One worker process: `calls` calls through the resilience layer; reports the 429s."""
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        limiter = SharedRateLimiter(client, "offerwatch:provider:test:rate", CALLS_PER_MINUTE)
        breaker = SharedCircuitBreaker(
            client, "offerwatch:provider:test:breaker", failures=100, cooldown=60
        )
    else:
        limiter = RateLimiter(CALLS_PER_MINUTE)
        breaker = CircuitBreaker(failures=100, cooldown=60)
    http = ResilientJSON(
        provider="metered", base_url=provider_url, limiter=limiter, breaker=breaker, max_retries=0
    )
    while time.time() < start_at:  # all processes start together
        time.sleep(0.001)
    refused = 0
    for _ in range(calls):
        try:
            http.get_json("/data")
        except ProviderError:
            refused += 1
    http.close()
    out.put(refused)


def _run_workers(redis_url: str | None, provider: MeteredProvider) -> int:
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    start_at = time.time() + 0.5
    workers = [
        context.Process(target=_calls, args=(redis_url, provider.url, CALLS_EACH, start_at, out))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    return sum(out.get(timeout=5) for _ in workers)


def test_n_worker_processes_sharing_the_redis_bucket_never_exceed_the_providers_limit(
    redis_server,
):
    with MeteredProvider(limit=PROVIDER_LIMIT_PER_S) as provider:
        started = time.monotonic()
        refused = _run_workers(redis_server.url, provider)
        took = time.monotonic() - started

    assert len(provider.arrivals) == PROCESSES * CALLS_EACH
    assert refused == 0 and provider.rejected == 0
    assert provider.busiest_window() <= PROVIDER_LIMIT_PER_S
    # Together they ran at the shared rate, not four times it: 36 calls at 9/s.
    assert took >= (PROCESSES * CALLS_EACH - 1) * 60 / CALLS_PER_MINUTE


def test_per_process_limiters_alone_would_exceed_it(redis_server):
    """The control: the same workers with only in-process limiters overrun the provider."""
    with MeteredProvider(limit=PROVIDER_LIMIT_PER_S) as provider:
        _run_workers(None, provider)
    assert provider.busiest_window() > PROVIDER_LIMIT_PER_S
    assert provider.rejected > 0


def _fail_until_open(redis_url: str, provider_url: str, out) -> None:
    import redis

    breaker = SharedCircuitBreaker(
        redis.Redis.from_url(redis_url), "offerwatch:provider:t:breaker", failures=3, cooldown=1
    )
    http = ResilientJSON(
        provider="metered",
        base_url=provider_url,
        limiter=RateLimiter(60_000),
        breaker=breaker,
        max_retries=0,
        backoff=Backoff(base=0, cap=0),
    )
    outcomes = []
    for _ in range(5):
        try:
            http.get_json("/data")
        except ProviderUnavailable:
            outcomes.append("open")
        except ProviderError:
            outcomes.append("error")
    out.put(outcomes)


def test_one_process_opening_the_circuit_stops_the_others_until_the_cooldown(redis_server):
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    with MeteredProvider(limit=1000) as provider:
        provider.fail_all = True
        first = context.Process(target=_fail_until_open, args=(redis_server.url, provider.url, out))
        first.start()
        first.join(timeout=30)
        assert out.get(timeout=5) == ["error", "error", "error", "open", "open"]
        assert len(provider.arrivals) == 3

        other = context.Process(target=_fail_until_open, args=(redis_server.url, provider.url, out))
        other.start()
        other.join(timeout=30)
        # The other process never called the provider: the circuit it shares is open.
        assert out.get(timeout=5) == ["open"] * 5
        assert len(provider.arrivals) == 3

        time.sleep(1.1)  # the cool-down: the next call is let through, fails, and reopens it
        third = context.Process(target=_fail_until_open, args=(redis_server.url, provider.url, out))
        third.start()
        third.join(timeout=30)
        assert out.get(timeout=5) == ["error", "open", "open", "open", "open"]
        assert len(provider.arrivals) == 4


def test_a_success_closes_the_shared_circuit(redis_server):
    import redis

    client = redis.Redis.from_url(redis_server.url)
    breaker = SharedCircuitBreaker(client, "offerwatch:provider:c:breaker", failures=2, cooldown=60)
    assert breaker.record_failure() is False
    assert breaker.record_failure() is True
    assert breaker.is_open
    with pytest.raises(ProviderUnavailable, match="failed 2 times in a row"):
        breaker.before_call()
    breaker.record_success()
    assert not breaker.is_open
    breaker.before_call()


def test_guards_live_in_redis_when_the_cache_is_redis_and_in_process_otherwise(
    redis_server, settings
):
    guards_reset()
    limiter, breaker = guards_shared(("p", "http://x"), calls_per_minute=60, failures=2, cooldown=5)
    assert (type(limiter), type(breaker)) == (RateLimiter, CircuitBreaker)

    guards_reset()
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
        }
    }
    limiter, breaker = guards_shared(("p", "http://x"), calls_per_minute=60, failures=2, cooldown=5)
    assert (type(limiter), type(breaker)) == (SharedRateLimiter, SharedCircuitBreaker)
    assert "http://x" not in breaker.key
    guards_reset()
