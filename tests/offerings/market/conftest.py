from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from offerings.market.coingecko import CoinGecko, coingecko_shared_reset
from offerings.resilience import Backoff, CircuitBreaker, RateLimiter
from tests.fakes.coingecko import FakeCoinGecko


class FakeClock:
    """A clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> Iterator[FakeCoinGecko]:
    with FakeCoinGecko() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def provider_for(clock):
    """A CoinGecko client against a fake, with a fake clock: retries and limits never wait."""
    made: list[CoinGecko] = []

    def make(fake: FakeCoinGecko, **options) -> CoinGecko:
        defaults = {
            "base_url": fake.url,
            "limiter": RateLimiter(600, clock=clock, sleep=clock.sleep),
            "breaker": CircuitBreaker(failures=5, cooldown=300, clock=clock),
            "backoff": Backoff(base=1.0, cap=30.0, random=lambda: 0.5),
            "sleep": clock.sleep,
            "timeout": httpx.Timeout(0.3, connect=0.3),
        }
        provider = CoinGecko(**(defaults | options))
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()


@pytest.fixture
def coingecko_settings(settings, fake):
    """Settings that point the refresh at the fake, with no waiting between calls."""
    settings.COINGECKO_BASE_URL = fake.url
    settings.COINGECKO_CALLS_PER_MINUTE = 60_000
    settings.COINGECKO_MAX_RETRIES = 1
    settings.COINGECKO_READ_TIMEOUT_S = 2
    coingecko_shared_reset()
    yield settings
    coingecko_shared_reset()
