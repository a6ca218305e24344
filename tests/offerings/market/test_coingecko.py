"""The CoinGecko client against the local fake: batching, parsing, faults and the API key."""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal

import pytest

from offerings.market.coingecko import coingecko_from_settings
from offerings.resilience import CircuitBreaker, ProviderError, ProviderUnavailable
from tests.fakes.coingecko import Fault, market_entry, ticker

SECRET = "CG-secret-key-0123456789"  # pragma: allowlist secret


def test_quotes_are_batched_by_at_most_250_ids_a_call(fake, provider_for):
    for n in range(600):
        fake.markets[f"coin-{n}"] = market_entry(f"coin-{n}", 1)

    fetched = provider_for(fake).quotes([f"coin-{n}" for n in range(600)])

    assert len(fetched.items) == 600
    sizes = [len(r.query["ids"][0].split(",")) for r in fake.requests]
    assert sizes == [250, 250, 100]
    assert all(r.query["vs_currency"] == ["usd"] for r in fake.requests)


def test_numbers_arrive_as_numbers_strings_or_null_and_none_becomes_zero(fake, provider_for):
    fake.markets["alpha"] = market_entry("alpha", 0.0421, market_cap="1500000.5")
    fake.markets["beta"] = market_entry("beta", "0.000012", total_volume=None, market_cap=None)

    quotes = {q.coin_id: q for q in provider_for(fake).quotes(["alpha", "beta"]).items}

    assert quotes["alpha"].price_usd == Decimal("0.0421")
    assert quotes["alpha"].market_cap_usd == Decimal("1500000.5")
    assert quotes["beta"].price_usd == Decimal("0.000012")
    assert quotes["beta"].volume_24h_usd is None
    assert quotes["beta"].market_cap_usd is None
    assert quotes["alpha"].time == dt.datetime(2026, 6, 1, 12, tzinfo=dt.UTC)


def test_unknown_ids_and_malformed_entries_are_reported_and_the_rest_kept(fake, provider_for):
    fake.markets["good"] = market_entry("good", 2)
    fake.markets["bad-price"] = market_entry("bad-price", "n/a")
    fake.markets["negative"] = market_entry("negative", -1)
    fake.extra_market_entries = ["junk", {"no": "id"}]

    fetched = provider_for(fake).quotes(["good", "bad-price", "negative", "ghost"])

    assert [q.coin_id for q in fetched.items] == ["good"]
    reasons = {str(s) for s in fetched.skipped}
    assert "ghost: unknown to the provider" in reasons
    assert "bad-price: malformed entry: 'n/a' is not a number" in reasons
    assert any(r.startswith("negative: malformed entry") for r in reasons)
    assert sum("malformed entry" in r for r in reasons) == 4


def test_a_429_is_retried_after_the_time_retry_after_asks(fake, provider_for, clock):
    fake.markets["good"] = market_entry("good", 2)
    fake.fail("/coins/markets", Fault("429", retry_after="7"))

    fetched = provider_for(fake).quotes(["good"])

    assert [q.coin_id for q in fetched.items] == ["good"]
    assert 7.0 in clock.slept
    assert len(fake.requests) == 2


def test_5xx_and_timeouts_are_retried_with_growing_backoff(fake, provider_for, clock):
    fake.markets["good"] = market_entry("good", 2)
    fake.fail("/coins/markets", Fault("500"), Fault("hang", seconds=1), Fault("503"))

    fetched = provider_for(fake).quotes(["good"])

    assert len(fetched.items) == 1
    backoffs = [s for s in clock.slept if s >= 0.5]
    assert backoffs == [0.5, 1.0, 2.0]  # 1, 2, 4 s times the jitter of 0.5


def test_after_the_last_retry_the_error_says_what_failed(fake, provider_for):
    fake.fail("/coins/markets", *[Fault("500")] * 3)

    with pytest.raises(ProviderError, match=r"GET /coins/markets: HTTP 500, 3 attempts"):
        provider_for(fake, max_retries=2).quotes(["good"])


def test_a_garbage_body_is_an_error_not_an_empty_answer(fake, provider_for):
    fake.fail("/coins/markets", Fault("garbage"))

    with pytest.raises(ProviderError, match="the body is not JSON"):
        provider_for(fake).quotes(["good"])


def test_a_client_error_is_not_retried(fake, provider_for):
    with pytest.raises(ProviderError, match="HTTP 404"):
        provider_for(fake).tickers("no-such-coin")
    assert len(fake.requests) == 1


def test_a_dead_provider_opens_the_circuit_and_later_calls_fail_at_once(fake, provider_for, clock):
    breaker = CircuitBreaker(failures=3, cooldown=300, clock=clock)
    provider = provider_for(fake, breaker=breaker, max_retries=5)
    fake.fail("/coins", *[Fault("500")] * 10)

    with pytest.raises(ProviderUnavailable):
        provider.quotes(["good"])
    assert len(fake.requests) == 3
    with pytest.raises(ProviderUnavailable):
        provider.tickers("good")
    assert len(fake.requests) == 3


def test_tickers_name_exchange_pair_prices_and_whether_they_trade(fake, provider_for):
    fake.tickers["abc"] = [
        ticker("binance", "ABC", "USDT", name="Binance", usd="0.12", volume=90_000),
        ticker("mexc", "ABC", "BTC", stale=True),
        ticker("gate", "ABC", "ETH", anomaly=True, usd=None),
        {"base": "ABC", "target": "X", "market": {}},
    ]

    fetched = provider_for(fake).tickers("abc")

    first = fetched.items[0]
    assert (first.exchange_id, first.exchange_name, first.pair) == (
        "binance",
        "Binance",
        "ABC/USDT",
    )
    assert (first.last_price_usd, first.volume_usd, first.trading) == (
        Decimal("0.12"),
        90_000,
        True,
    )
    assert [t.trading for t in fetched.items] == [True, False, False]
    assert fetched.items[2].last_price_usd is None
    assert len(fetched.skipped) == 1


def test_exchanges_and_coins_are_read(fake, provider_for):
    fake.exchanges = [
        {"id": "binance", "name": "Binance", "url": "https://binance.com", "trust_score": 10},
        {"id": "shady", "name": "Shady", "trust_score": "high"},
        "junk",
    ]
    fake.coin_list = [
        {"id": "abc", "symbol": "abc", "name": "Abc", "platforms": {"ethereum": "0xAb", "x": ""}}
    ]
    provider = provider_for(fake)

    exchanges = provider.exchanges()
    [coin] = provider.coins()

    assert [(e.exchange_id, e.trust_score) for e in exchanges] == [("binance", 10), ("shady", None)]
    assert coin.platforms == {"ethereum": "0xAb"}


@pytest.mark.parametrize(
    ("plan", "header"), [("demo", "x-cg-demo-api-key"), ("pro", "x-cg-pro-api-key")]
)
def test_the_api_key_is_sent_in_the_plan_s_header(fake, provider_for, plan, header):
    fake.markets["good"] = market_entry("good", 2)
    provider_for(fake, api_key=SECRET, plan=plan).quotes(["good"])

    headers = {k.lower(): v for k, v in fake.requests[0].headers.items()}
    assert headers[header] == SECRET
    assert SECRET not in fake.requests[0].query.get("ids", [""])[0]


def test_no_header_is_sent_without_a_key(fake, provider_for):
    provider_for(fake).quotes(["good"])
    headers = {k.lower() for k in fake.requests[0].headers}
    assert not headers & {"x-cg-demo-api-key", "x-cg-pro-api-key"}


def test_the_api_key_never_reaches_logs_or_error_messages(fake, provider_for, caplog):
    fake.fail("/coins/markets", Fault("429", retry_after="1"), Fault("hang", seconds=1))
    fake.fail("/coins/markets", Fault("garbage"))
    caplog.set_level(logging.DEBUG)

    with pytest.raises(ProviderError) as raised:
        provider_for(fake, api_key=SECRET, max_retries=2).quotes(["good"])

    assert caplog.records, "the retries were logged"
    assert SECRET not in caplog.text
    assert SECRET not in str(raised.value)
    assert SECRET not in repr(raised.value.__cause__)


def test_settings_configure_the_client(coingecko_settings, fake):
    coingecko_settings.COINGECKO_API_KEY = SECRET
    coingecko_settings.COINGECKO_PLAN = "pro"
    fake.markets["good"] = market_entry("good", 2)

    provider = coingecko_from_settings()
    provider.quotes(["good"])

    assert fake.requests[0].headers.get("x-cg-pro-api-key") == SECRET
    assert coingecko_from_settings().limiter is provider.limiter


def test_a_retry_after_longer_than_a_worker_should_wait_gives_up_at_once(fake, provider_for, clock):
    fake.fail("/coins/markets", Fault("429", retry_after="3600"))

    with pytest.raises(ProviderError, match=r"HTTP 429 \(asked to wait 3600 s\)"):
        provider_for(fake).quotes(["good"])
    assert clock.slept == []
    assert len(fake.requests) == 1


def test_a_coin_id_cannot_reach_another_path(fake, provider_for):
    fake.tickers["a/b"] = []
    with pytest.raises(ProviderError, match="HTTP 404"):
        provider_for(fake).tickers("../exchanges")
    assert fake.requests[0].path == "/coins/..%2Fexchanges/tickers"
