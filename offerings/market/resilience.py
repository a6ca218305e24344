"""Calling a provider politely and safely: a client-side rate limit, retries with backoff and
a circuit breaker. Clocks, sleeps and randomness are injected so tests never wait."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

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

    def record_failure(self) -> None:
        with self._lock:
            self.failed += 1
            if self.failed >= self.failures:
                self.opened_at = self.clock()

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
