"""Calling a provider politely and safely, for every provider package (market/, contract_risk/):
a client-side rate limit, retries with backoff honouring Retry-After, a circuit breaker, and
`ResilientJSON`, the one resilient HTTP call they all make. Clocks, sleeps and randomness are
injected so tests never wait."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from ops import metrics

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]


class ProviderError(Exception):
    """A provider call failed for good (after retries), or its answer cannot be used."""


class ProviderNotFound(ProviderError):
    """The provider does not know what was asked for (HTTP 404): an unknown coin id."""


class ProviderUnavailable(ProviderError):
    """The circuit is open: the provider failed repeatedly and is left alone for a while."""


class RateLimiter:
    """A token bucket: `calls_per_minute` calls spread evenly, bursts up to `burst`."""

    def __init__(
        self,
        calls_per_minute: int,
        *,
        burst: int = 1,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if calls_per_minute < 1:
            raise ValueError(f"calls_per_minute ({calls_per_minute}) must be at least 1")
        self.interval = 60.0 / calls_per_minute
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.clock, self.sleep = clock, sleep
        self.updated = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping until one is free; returns the seconds waited."""
        with self._lock:
            now = self.clock()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) / self.interval)
            self.updated = now
            wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) * self.interval
            self.tokens -= 1
        if wait:
            self.sleep(wait)
        return wait


@dataclass
class CircuitBreaker:
    """Opens after `failures` failed calls in a row; while open, calls fail at once. After
    `cooldown` seconds one trial call is let through: success closes it, failure reopens it."""

    failures: int
    cooldown: float
    clock: Clock = time.monotonic
    failed: int = 0
    opened_at: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def before_call(self) -> None:
        with self._lock:
            if self.opened_at is None:
                return
            remaining = self.opened_at + self.cooldown - self.clock()
            if remaining > 0:
                raise ProviderUnavailable(
                    f"provider failed {self.failed} times in a row; not called for another "
                    f"{remaining:.0f} s"
                )
            self.opened_at = None  # half open: this call is the trial

    def record_success(self) -> None:
        with self._lock:
            self.failed, self.opened_at = 0, None

    def record_failure(self) -> bool:
        """Count a failure; True when this one opened the circuit."""
        with self._lock:
            self.failed += 1
            if self.failed >= self.failures:
                was_open, self.opened_at = self.opened_at is not None, self.clock()
                return not was_open
            return False

    @property
    def is_open(self) -> bool:
        return self.opened_at is not None and self.clock() < self.opened_at + self.cooldown


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter, capped; a server's Retry-After wins when longer."""

    base: float = 1.0
    cap: float = 60.0
    random: Callable[[], float] = random.random

    @property
    def longest(self) -> float:
        """The longest wait a Retry-After may impose before the call is given up."""
        return self.cap * 5

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        jittered = min(self.cap, self.base * 2**attempt) * self.random()
        if retry_after is not None:
            return min(self.longest, max(retry_after, jittered))
        return jittered


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After in seconds (delay-seconds form; an HTTP date is read as unknown)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds)


RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ResilientJSON:
    """JSON over HTTP with the whole resilience layer: every call waits for the rate limit and
    asks the circuit breaker; timeouts, transport errors, 429 and 5xx are retried with backoff
    (a server's Retry-After wins when longer); 404 is ProviderNotFound; anything else, or a
    body that is not JSON, is ProviderError. Messages name the method and path, never the URL
    or its query, so keys sent as parameters stay out of errors and logs."""

    def __init__(
        self,
        *,
        base_url: str,
        limiter: RateLimiter,
        breaker: CircuitBreaker,
        headers: dict[str, str] | None = None,
        backoff: Backoff | None = None,
        max_retries: int = 4,
        timeout: httpx.Timeout | None = None,
        sleep: Sleep = time.sleep,
        provider: str = "",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # The metrics' label: a name, or the host (never the URL, which may hold a key).
        self.provider = provider or urlsplit(self.base_url).hostname or "unknown"
        self.client = httpx.Client(
            base_url=self.base_url,
            headers={"accept": "application/json", "user-agent": "offerwatch/1", **(headers or {})},
            timeout=timeout or httpx.Timeout(20.0, connect=5.0),
            follow_redirects=False,
        )
        self.limiter, self.breaker = limiter, breaker
        self.backoff = backoff or Backoff()
        self.max_retries, self.sleep = max_retries, sleep
        self.calls = 0

    def close(self) -> None:
        self.client.close()

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET `path` and decode its JSON."""
        return self.request_json("GET", path, params=params)

    def post_json(self, path: str, body: Any) -> Any:
        """POST `body` as JSON to `path` and decode the JSON answer."""
        return self.request_json("POST", path, body=body)

    def request_json(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None
    ) -> Any:
        shown = f"{method} {path or '/'}"
        # "" is the base URL itself, without the trailing slash a relative path would add
        # (an explorer's /v2/api, a node URL ending in its key).
        url = path or self.base_url
        for attempt in range(self.max_retries + 1):
            self.breaker.before_call()
            self.limiter.acquire()
            self.calls += 1
            retry_after = None
            try:
                response = self.client.request(method, url, params=params, json=body)
            except httpx.TimeoutException:
                problem = f"{shown}: timed out"
            except httpx.TransportError as exc:
                problem = f"{shown}: {type(exc).__name__}"
            else:
                if response.status_code == 200:
                    try:
                        decoded = response.json()
                    except ValueError:
                        self._failed()
                        raise ProviderError(f"{shown}: the body is not JSON") from None
                    self.breaker.record_success()
                    metrics.provider_calls.labels(self.provider, "ok").inc()
                    return decoded
                if response.status_code == 404:
                    metrics.provider_calls.labels(self.provider, "ok").inc()
                    raise ProviderNotFound(f"{shown}: HTTP 404")
                if response.status_code not in RETRY_STATUSES:
                    metrics.provider_calls.labels(self.provider, "error").inc()
                    raise ProviderError(f"{shown}: HTTP {response.status_code}")
                problem = f"{shown}: HTTP {response.status_code}"
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
            self._failed()
            if attempt == self.max_retries:
                break
            if retry_after is not None and retry_after > self.backoff.longest:
                # Waiting that long would hold a worker; the next scheduled run tries again.
                problem += f" (asked to wait {retry_after:.0f} s)"
                break
            delay = self.backoff.delay(attempt, retry_after)
            logger.warning("%s; retry %d in %.1f s", problem, attempt + 1, delay)
            metrics.provider_calls.labels(self.provider, "retried").inc()
            self.sleep(delay)
        raise ProviderError(f"{problem}, {self.max_retries + 1} attempts")

    def _failed(self) -> None:
        metrics.provider_calls.labels(self.provider, "error").inc()
        if self.breaker.record_failure():
            metrics.provider_breaker_opened.labels(self.provider).inc()


_guards: dict[tuple, tuple[Any, Any]] = {}


def guards_shared(
    key: tuple, *, calls_per_minute: int, failures: int, cooldown: float
) -> tuple[RateLimiter, CircuitBreaker]:
    """The rate limiter and circuit breaker of one provider endpoint (`key`, e.g. its name and
    base URL). With a Redis cache configured they live in Redis and are shared by every
    process of every machine (offerings/shared_guards.py); without, by every client of this
    process. Either way concurrent tasks together stay under the limit and see one circuit."""
    from offerings.shared_guards import (
        SharedCircuitBreaker,
        SharedRateLimiter,
        redis_client_from_cache,
        redis_key,
    )

    full_key = (*key, calls_per_minute, failures, cooldown)
    if full_key not in _guards:
        redis = redis_client_from_cache()
        if redis is None:
            _guards[full_key] = (
                RateLimiter(calls_per_minute),
                CircuitBreaker(failures=failures, cooldown=cooldown),
            )
        else:
            _guards[full_key] = (
                SharedRateLimiter(redis, redis_key(key, "rate"), calls_per_minute),
                SharedCircuitBreaker(
                    redis, redis_key(key, "breaker"), failures=failures, cooldown=cooldown
                ),
            )
    return _guards[full_key]


def breakers_known() -> dict[str, Any]:
    """This process's circuit breakers by provider endpoint, for the metrics."""
    return {str(key[0]): breaker for key, (_, breaker) in _guards.items()}


def guards_reset() -> None:
    """Forget the shared limiters and breakers (tests; a changed configuration)."""
    _guards.clear()
