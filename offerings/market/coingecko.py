"""The CoinGecko v3 API (public, demo or pro plan) as a MarketProvider.

Endpoints: /coins/markets (quotes, up to 250 ids a call), /coins/{id}/tickers (where a coin
trades; every page of 100 is read, up to MAX_TICKER_PAGES), /exchanges (venue data),
/coins/list?include_platform=true (contract addresses).
The API key travels in a header and is never logged nor put in an error message.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings
from django.utils import timezone

from offerings.market.provider import (
    BadNumber,
    Coin,
    Exchange,
    Fetched,
    Quote,
    Skipped,
    Ticker,
    decimal_or_none,
    time_or_none,
)
from offerings.resilience import (
    Backoff,
    CircuitBreaker,
    ProviderError,
    RateLimiter,
    ResilientJSON,
    Sleep,
    guards_reset,
    guards_shared,
)

logger = logging.getLogger(__name__)

MAX_IDS_PER_CALL = 250
# /coins/{id}/tickers answers 100 tickers a page; a coin on more than 2,000 pairs is read to
# that bound (a coin listed at all is listed by then).
TICKERS_PER_PAGE = 100
MAX_TICKER_PAGES = 20


class CoinGecko:
    source = "coingecko"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str = "",
        plan: str = "demo",
        limiter: RateLimiter,
        breaker: CircuitBreaker,
        backoff: Backoff | None = None,
        max_retries: int = 4,
        history_days: str = "365",
        timeout: httpx.Timeout | None = None,
        sleep: Sleep = time.sleep,
        batch_size: int = MAX_IDS_PER_CALL,
    ) -> None:
        headers = {}
        if api_key:
            headers["x-cg-pro-api-key" if plan == "pro" else "x-cg-demo-api-key"] = api_key
        self.http = ResilientJSON(
            provider="coingecko",
            base_url=base_url,
            headers=headers,
            limiter=limiter,
            breaker=breaker,
            backoff=backoff,
            max_retries=max_retries,
            timeout=timeout,
            sleep=sleep,
        )
        self.history_days = history_days
        self.batch_size = min(batch_size, MAX_IDS_PER_CALL)

    @property
    def calls(self) -> int:
        return self.http.calls

    @property
    def limiter(self) -> RateLimiter:
        return self.http.limiter

    def close(self) -> None:
        self.http.close()

    # ---- the four questions ---------------------------------------------------------------

    def quotes(self, coin_ids: Iterable[str]) -> Fetched[Quote]:
        ids = list(dict.fromkeys(coin_ids))
        fetched: Fetched[Quote] = Fetched()
        for start in range(0, len(ids), self.batch_size):
            batch = ids[start : start + self.batch_size]
            body = self.get_json(
                "/coins/markets",
                {"vs_currency": "usd", "ids": ",".join(batch), "per_page": MAX_IDS_PER_CALL},
            )
            if not isinstance(body, list):
                raise ProviderError(f"/coins/markets answered a {type(body).__name__}, not a list")
            self._read_quotes(body, batch, fetched)
        return fetched

    def _read_quotes(self, body: list, asked: list[str], fetched: Fetched[Quote]) -> None:
        wanted, seen = set(asked), set()
        now = timezone.now().replace(microsecond=0)
        for entry in body:
            coin_id = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(coin_id, str) or coin_id not in wanted:
                fetched.skipped.append(Skipped(str(coin_id), f"malformed entry: {entry!r:.80}"))
                continue
            seen.add(coin_id)
            try:
                quote = Quote(
                    coin_id=coin_id,
                    time=time_or_none(entry.get("last_updated")) or now,
                    price_usd=decimal_or_none(entry.get("current_price")),
                    market_cap_usd=decimal_or_none(entry.get("market_cap")),
                    volume_24h_usd=decimal_or_none(entry.get("total_volume")),
                )
            except BadNumber as exc:
                fetched.skipped.append(Skipped(coin_id, f"malformed entry: {exc}"))
                continue
            fetched.items.append(quote)
        for coin_id in asked:
            if coin_id not in seen:
                fetched.skipped.append(Skipped(coin_id, "unknown to the provider"))

    def tickers(self, coin_id: str) -> Fetched[Ticker]:
        """Every page of the coin's tickers (100 a page), up to MAX_TICKER_PAGES pages."""
        fetched: Fetched[Ticker] = Fetched()
        path = f"/coins/{quote(coin_id, safe='')}/tickers"
        for page in range(1, MAX_TICKER_PAGES + 1):
            body = self.get_json(path, {"include_exchange_logo": "false", "page": page})
            entries = body.get("tickers") if isinstance(body, dict) else None
            if not isinstance(entries, list):
                raise ProviderError(f"/coins/{coin_id}/tickers answered no list of tickers")
            for entry in entries:
                try:
                    fetched.items.append(_ticker(coin_id, entry))
                except (BadNumber, KeyError, TypeError, AttributeError) as exc:
                    fetched.skipped.append(Skipped(coin_id, f"malformed ticker: {exc}"))
            if len(entries) < TICKERS_PER_PAGE:
                break
        else:
            fetched.skipped.append(
                Skipped(coin_id, f"more than {MAX_TICKER_PAGES} pages of tickers; read the first")
            )
        return fetched

    def history(self, coin_id: str) -> Fetched[Quote]:
        fetched: Fetched[Quote] = Fetched()
        body = self.get_json(
            f"/coins/{quote(coin_id, safe='')}/market_chart",
            {"vs_currency": "usd", "days": self.history_days, "interval": "daily"},
        )
        if not isinstance(body, dict) or not isinstance(body.get("prices"), list):
            raise ProviderError(f"/coins/{coin_id}/market_chart answered no list of prices")
        series: dict[int, list] = {}
        for position, key in enumerate(("prices", "market_caps", "total_volumes")):
            for point in body.get(key) or []:
                if not (isinstance(point, list) and len(point) == 2 and _is_ms(point[0])):
                    fetched.skipped.append(
                        Skipped(coin_id, f"malformed {key} point: {point!r:.60}")
                    )
                    continue
                series.setdefault(int(point[0]), [None, None, None])[position] = point[1]
        for ms, (price, cap, volume) in sorted(series.items()):
            try:
                fetched.items.append(
                    Quote(
                        coin_id=coin_id,
                        time=dt.datetime.fromtimestamp(ms // 1000, tz=dt.UTC),
                        price_usd=decimal_or_none(price),
                        market_cap_usd=decimal_or_none(cap),
                        volume_24h_usd=decimal_or_none(volume),
                    )
                )
            except BadNumber as exc:
                fetched.skipped.append(Skipped(coin_id, f"malformed point: {exc}"))
        return fetched

    def exchanges(self) -> list[Exchange]:
        body = self.get_json("/exchanges", {"per_page": 250})
        if not isinstance(body, list):
            raise ProviderError("/exchanges answered no list")
        venues = []
        for entry in body:
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                continue
            trust = entry.get("trust_score")
            venues.append(
                Exchange(
                    exchange_id=entry["id"],
                    name=str(entry.get("name") or entry["id"]),
                    url=str(entry.get("url") or ""),
                    country=str(entry.get("country") or ""),
                    trust_score=trust if isinstance(trust, int) and 0 <= trust <= 10 else None,
                )
            )
        return venues

    def coins(self) -> list[Coin]:
        body = self.get_json("/coins/list", {"include_platform": "true"})
        if not isinstance(body, list):
            raise ProviderError("/coins/list answered no list")
        return [
            Coin(
                coin_id=entry["id"],
                symbol=str(entry.get("symbol") or ""),
                name=str(entry.get("name") or ""),
                platforms={
                    str(chain): str(address)
                    for chain, address in (entry.get("platforms") or {}).items()
                    if address
                },
            )
            for entry in body
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
        ]

    def get_json(self, path: str, params: dict[str, Any]) -> Any:
        """GET `path` and decode its JSON, through the shared resilience layer."""
        return self.http.get_json(path, params)


def _is_ms(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and 0 < value < 1e14


def _ticker(coin_id: str, entry: dict) -> Ticker:
    market = entry["market"]
    exchange_id = market.get("identifier")
    if not isinstance(exchange_id, str) or not exchange_id:
        raise KeyError("market.identifier")
    base, target = str(entry["base"]), str(entry["target"])
    converted_last = entry.get("converted_last") or {}
    converted_volume = entry.get("converted_volume") or {}
    return Ticker(
        coin_id=coin_id,
        exchange_id=exchange_id,
        exchange_name=str(market.get("name") or exchange_id),
        pair=f"{base}/{target}"[:60],
        last_price_usd=decimal_or_none(converted_last.get("usd")),
        volume_usd=decimal_or_none(converted_volume.get("usd")),
        trading=not entry.get("is_stale") and not entry.get("is_anomaly"),
    )


def coingecko_from_settings(**overrides: Any) -> CoinGecko:
    """A client configured from settings. Clients share one rate limit and one circuit breaker
    per base URL: every process's through Redis when a Redis cache is configured, else this
    process's (offerings.resilience.guards_shared)."""
    limiter, breaker = guards_shared(
        ("coingecko", settings.COINGECKO_BASE_URL),
        calls_per_minute=settings.COINGECKO_CALLS_PER_MINUTE,
        failures=settings.COINGECKO_BREAKER_FAILURES,
        cooldown=settings.COINGECKO_BREAKER_COOLDOWN_S,
    )
    options: dict[str, Any] = {
        "base_url": settings.COINGECKO_BASE_URL,
        "api_key": settings.COINGECKO_API_KEY,
        "plan": settings.COINGECKO_PLAN,
        "limiter": limiter,
        "breaker": breaker,
        "max_retries": settings.COINGECKO_MAX_RETRIES,
        "history_days": settings.COINGECKO_HISTORY_DAYS,
        "timeout": httpx.Timeout(
            settings.COINGECKO_READ_TIMEOUT_S, connect=settings.COINGECKO_CONNECT_TIMEOUT_S
        ),
        "batch_size": settings.MARKET_BATCH_SIZE,
    }
    return CoinGecko(**(options | overrides))


def coingecko_shared_reset() -> None:
    """Forget the shared limiters and breakers (tests; a changed configuration)."""
    guards_reset()
