"""What any market-data provider answers, in our terms: quotes, tickers, exchanges, coins."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, Protocol, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Quote:
    coin_id: str
    time: dt.datetime
    price_usd: Decimal | None
    market_cap_usd: Decimal | None
    volume_24h_usd: Decimal | None


@dataclass(frozen=True, slots=True)
class Ticker:
    """One trading pair of a coin on an exchange."""

    coin_id: str
    exchange_id: str
    exchange_name: str
    pair: str
    last_price_usd: Decimal | None
    volume_usd: Decimal | None
    # Stale (no recent trade) or anomalous prices do not count as trading.
    trading: bool


@dataclass(frozen=True, slots=True)
class Exchange:
    exchange_id: str
    name: str
    url: str
    country: str
    trust_score: int | None


@dataclass(frozen=True, slots=True)
class Coin:
    coin_id: str
    symbol: str
    name: str
    # chain name -> contract address, as the provider spells them
    platforms: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Skipped:
    """An id or entry the provider answered with something we could not use, and why."""

    coin_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.coin_id}: {self.reason}"


@dataclass
class Fetched(Generic[T]):
    items: list[T] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class MarketProvider(Protocol):
    source: str

    def quotes(self, coin_ids: Iterable[str]) -> Fetched[Quote]:
        """USD price, market cap and 24h volume of each coin (ids batched as needed)."""

    def tickers(self, coin_id: str) -> Fetched[Ticker]:
        """Where the coin trades."""

    def history(self, coin_id: str) -> Fetched[Quote]:
        """Past daily quotes of the coin, oldest first."""

    def exchanges(self) -> list[Exchange]:
        """Venue data: names, sites and trust scores."""

    def coins(self) -> list[Coin]:
        """Every coin the provider knows, with its contract addresses."""


class BadNumber(ValueError):
    pass


def decimal_or_none(value: Any) -> Decimal | None:
    """A provider number (a JSON number, a numeric string or null) as a Decimal, or None when
    unknown. Never a guessed zero; raises BadNumber for anything else."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise BadNumber(f"{value!r} is not a number")
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise BadNumber(f"{value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise BadNumber(f"{value!r} is not a finite, non-negative number")
    return number


def time_or_none(value: Any) -> dt.datetime | None:
    """An ISO 8601 time (2024-05-01T12:00:00.000Z) as an aware UTC datetime, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).replace(microsecond=0)
