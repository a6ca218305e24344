"""Fetching public records politely: the provider resilience layer (offerings/resilience.py:
rate limit, retries with backoff honouring Retry-After, circuit breaker) for bodies that are
not JSON (RSS, XML). Messages name the method and path, never a query."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx

from offerings.resilience import (
    RETRY_STATUSES,
    Backoff,
    CircuitBreaker,
    ProviderError,
    ProviderNotFound,
    RateLimiter,
    Sleep,
    retry_after_seconds,
)

logger = logging.getLogger(__name__)


class ResilientFetch:
    """GET bodies (bytes) with the whole resilience layer; 404 is ProviderNotFound."""

    def __init__(
        self,
        *,
        limiter: RateLimiter,
        breaker: CircuitBreaker,
        headers: dict[str, str],
        backoff: Backoff | None = None,
        max_retries: int = 4,
        timeout: httpx.Timeout | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        self.client = httpx.Client(
            headers=headers,
            timeout=timeout or httpx.Timeout(20.0, connect=5.0),
            follow_redirects=False,
        )
        self.limiter, self.breaker = limiter, breaker
        self.backoff = backoff or Backoff()
        self.max_retries, self.sleep = max_retries, sleep
        self.calls = 0

    def close(self) -> None:
        self.client.close()

    def get(self, url: str, params: dict[str, Any] | None = None) -> bytes:
        shown = f"GET {httpx.URL(url).path or '/'}"
        problem = shown
        for attempt in range(self.max_retries + 1):
            self.breaker.before_call()
            self.limiter.acquire()
            self.calls += 1
            retry_after = None
            try:
                response = self.client.get(url, params=params)
            except httpx.TimeoutException:
                problem = f"{shown}: timed out"
            except httpx.TransportError as exc:
                problem = f"{shown}: {type(exc).__name__}"
            else:
                if response.status_code == 200:
                    self.breaker.record_success()
                    return response.content
                if response.status_code == 404:
                    raise ProviderNotFound(f"{shown}: HTTP 404")
                if response.status_code not in RETRY_STATUSES:
                    raise ProviderError(f"{shown}: HTTP {response.status_code}")
                problem = f"{shown}: HTTP {response.status_code}"
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
            self.breaker.record_failure()
            if attempt == self.max_retries:
                break
            if retry_after is not None and retry_after > self.backoff.longest:
                problem += f" (asked to wait {retry_after:.0f} s)"
                break
            delay = self.backoff.delay(attempt, retry_after)
            logger.warning("%s; retry %d in %.1f s", problem, attempt + 1, delay)
            self.sleep(delay)
        raise ProviderError(f"{problem}, {self.max_retries + 1} attempts")
