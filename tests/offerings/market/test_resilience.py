"""Rate limit, backoff and circuit breaker, on a fake clock (no test sleeps)."""

from __future__ import annotations

import pytest

from offerings.resilience import (
    Backoff,
    CircuitBreaker,
    ProviderUnavailable,
    RateLimiter,
    retry_after_seconds,
)


def test_the_rate_limit_spreads_calls_evenly_over_the_minute(clock):
    limiter = RateLimiter(30, clock=clock, sleep=clock.sleep)

    waits = [limiter.acquire() for _ in range(4)]

    assert waits == [0.0, 2.0, 2.0, 2.0]
    assert clock.now == 1006.0


def test_the_rate_limit_lets_a_rested_caller_go_at_once(clock):
    limiter = RateLimiter(30, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.now += 10

    assert limiter.acquire() == 0.0


def test_a_rate_limit_below_one_call_a_minute_is_refused():
    with pytest.raises(ValueError, match=r"calls_per_minute \(0\) must be at least 1"):
        RateLimiter(0)


def test_backoff_doubles_with_jitter_and_is_capped():
    backoff = Backoff(base=1, cap=10, random=lambda: 1.0)
    assert [backoff.delay(n) for n in range(5)] == [1, 2, 4, 8, 10]
    assert Backoff(base=1, cap=10, random=lambda: 0.25).delay(2) == 1.0


def test_backoff_waits_at_least_what_retry_after_asks():
    backoff = Backoff(base=1, cap=10, random=lambda: 0.5)
    assert backoff.delay(0, retry_after=7) == 7
    assert backoff.delay(3, retry_after=1) == 4


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("5", 5.0), (" 2.5 ", 2.5), ("-3", 0.0), ("Wed, 21 Oct", None), (None, None)],
)
def test_retry_after_is_read_in_seconds(header, seconds):
    assert retry_after_seconds(header) == seconds


def test_the_breaker_opens_after_repeated_failures_and_fails_fast(clock):
    breaker = CircuitBreaker(failures=3, cooldown=60, clock=clock)
    for _ in range(3):
        breaker.before_call()
        breaker.record_failure()

    with pytest.raises(ProviderUnavailable, match="failed 3 times in a row"):
        breaker.before_call()


def test_the_breaker_lets_one_trial_through_after_the_cooldown(clock):
    breaker = CircuitBreaker(failures=2, cooldown=60, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    clock.now += 61

    breaker.before_call()  # the trial
    breaker.record_failure()
    with pytest.raises(ProviderUnavailable):
        breaker.before_call()
    clock.now += 61
    breaker.before_call()
    breaker.record_success()
    assert not breaker.is_open
    breaker.before_call()


def test_a_success_resets_the_count_of_failures(clock):
    breaker = CircuitBreaker(failures=2, cooldown=60, clock=clock)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    breaker.before_call()
