from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from offerings.resilience import Backoff, CircuitBreaker, RateLimiter, ResilientJSON, guards_reset
from tests.fakes.contract_risk import FakeExplorer, FakeGoPlus, FakeRpc
from tests.offerings.market.conftest import FakeClock

SECRET = "etherscan-test-key-5f2a"  # pragma: allowlist secret
RPC_KEY = "rpc-path-key-91c3"  # pragma: allowlist secret


@pytest.fixture
def goplus() -> Iterator[FakeGoPlus]:
    with FakeGoPlus() as server:
        yield server


@pytest.fixture
def explorer() -> Iterator[FakeExplorer]:
    with FakeExplorer() as server:
        yield server


@pytest.fixture
def rpc() -> Iterator[FakeRpc]:
    with FakeRpc() as server:
        yield server


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def http_for(clock):
    """A resilient client against a fake, with a fake clock: retries and limits never wait."""
    made: list[ResilientJSON] = []

    def make(url: str, **options) -> ResilientJSON:
        defaults = {
            "base_url": url,
            "limiter": RateLimiter(600, clock=clock, sleep=clock.sleep),
            "breaker": CircuitBreaker(failures=5, cooldown=300, clock=clock),
            "backoff": Backoff(base=1.0, cap=30.0, random=lambda: 0.5),
            "sleep": clock.sleep,
            "timeout": httpx.Timeout(0.3, connect=0.3),
            "max_retries": 2,
        }
        client = ResilientJSON(**(defaults | options))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


@pytest.fixture
def contract_settings(settings, goplus, explorer, rpc):
    """Settings that point the checks at the fakes, with no waiting between calls."""
    settings.GOPLUS_BASE_URL = goplus.url
    settings.ETHERSCAN_BASE_URL = explorer.url
    settings.ETHERSCAN_API_KEY = SECRET
    settings.CONTRACT_RPC_URLS = {1: rpc.url}
    for name in ("GOPLUS", "ETHERSCAN", "RPC"):
        setattr(settings, f"{name}_CALLS_PER_MINUTE", 60_000)
    settings.CONTRACT_MAX_RETRIES = 1
    settings.CONTRACT_READ_TIMEOUT_S = 2
    guards_reset()
    yield settings
    guards_reset()
