"""A market-data provider for the demo offerings: fictional, deterministic prices and listings,
so that `make run` shows the market section and the market rules without a network.

Each linked demo offering follows a path chosen by its refund rule (which the demo ties to its
profile): a healthy listing, a slide below the sale price, a pump and dump, or no listing at all.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from offerings.market.provider import Coin, Exchange, Fetched, Quote, Skipped, Ticker

PATHS = {
    "full": "healthy",
    "partial": "below_sale",
    "unspecified": "pump_and_dump",
    "none": "never_listed",
}
REFERENCE_START = {"bitcoin": Decimal(42000), "ethereum": Decimal(2300)}
# The demo's centralised venues (offerings/demo.py): the listings find them by name.
EXCHANGES = (
    Exchange("northgate", "Northgate Exchange", "https://northgate.example", "CH", 9),
    Exchange("harbor-digital", "Harbor Digital", "https://harbordigital.example", "LT", 7),
    Exchange("meridian-markets", "Meridian Markets", "https://meridian.example", "SG", 6),
)


@dataclass(frozen=True)
class _Coin:
    coin_id: str
    symbol: str
    name: str
    contract: str
    sale_price: Decimal
    supply: Decimal
    listed_on: dt.date
    path: str


class DemoMarket:
    """Answers like a provider for the coins of the given demo records, as of `today`."""

    source = "demo"

    def __init__(self, records: Iterable[dict], *, today: dt.date) -> None:
        self.today = today
        self._coins: dict[str, _Coin] = {}
        for record in records:
            coin_id = record.get("coingecko_id")
            if not coin_id or not record.get("end_date") or not record.get("token_price_usd"):
                continue
            rng = random.Random(coin_id)
            self._coins[coin_id] = _Coin(
                coin_id=coin_id,
                symbol=(record.get("symbol") or "").lower(),
                name=record["name"],
                contract=record.get("contract_address") or "",
                sale_price=Decimal(record["token_price_usd"]),
                supply=Decimal(record.get("total_supply") or 0),
                listed_on=dt.date.fromisoformat(record["end_date"])
                + dt.timedelta(days=rng.randint(3, 20)),
                path=PATHS.get(record.get("refund_policy") or "", "healthy"),
            )

    def close(self) -> None:
        pass

    def _listed(self, coin_id: str) -> _Coin | None:
        coin = self._coins.get(coin_id)
        if coin is None or coin.path == "never_listed" or coin.listed_on > self.today:
            return None
        return coin

    def quotes(self, coin_ids: Iterable[str]) -> Fetched[Quote]:
        fetched: Fetched[Quote] = Fetched()
        for coin_id in coin_ids:
            days = self._reference_days(coin_id) or self._days(coin_id)
            if days:
                fetched.items.append(days[-1])
            else:
                fetched.skipped.append(Skipped(coin_id, "unknown coin id"))
        return fetched

    def history(self, coin_id: str) -> Fetched[Quote]:
        days = self._reference_days(coin_id) or self._days(coin_id)
        if not days:
            return Fetched(skipped=[Skipped(coin_id, "unknown coin id")])
        return Fetched(items=days)

    def tickers(self, coin_id: str) -> Fetched[Ticker]:
        coin = self._listed(coin_id)
        if coin is None:
            return Fetched()
        last = self._days(coin_id)[-1]
        venues = EXCHANGES[: 1 if coin.path == "below_sale" else 2]
        return Fetched(
            items=[
                Ticker(
                    coin_id,
                    exchange.exchange_id,
                    exchange.name,
                    f"{coin.symbol.upper()}/USDT",
                    last.price_usd,
                    (last.volume_24h_usd or Decimal(0)) / len(venues),
                    True,
                )
                for exchange in venues
            ]
        )

    def exchanges(self) -> list[Exchange]:
        return list(EXCHANGES)

    def coins(self) -> list[Coin]:
        return [
            Coin(c.coin_id, c.symbol, c.name, {"ethereum": c.contract} if c.contract else {})
            for c in self._coins.values()
        ]

    def _days(self, coin_id: str) -> list[Quote]:
        """One quote a day from the listing to today, along the coin's path."""
        coin = self._listed(coin_id)
        if coin is None:
            return []
        rng = random.Random(f"{coin_id}-prices")
        quotes = []
        days = (self.today - coin.listed_on).days + 1
        for day in range(days):
            multiple = _multiple(coin.path, day) * Decimal(str(rng.uniform(0.94, 1.06)))
            price = (coin.sale_price * multiple).quantize(Decimal("0.000001"))
            cap = (price * coin.supply * Decimal("0.3")).quantize(Decimal(1))
            share = Decimal("0.0004") if coin.path == "below_sale" else Decimal("0.03")
            moment = dt.datetime.combine(
                coin.listed_on + dt.timedelta(days=day), dt.time(12), tzinfo=dt.UTC
            )
            quotes.append(Quote(coin_id, moment, price, cap, (cap * share).quantize(Decimal(1))))
        return quotes

    def _reference_days(self, coin_id: str) -> list[Quote]:
        """Bitcoin and ether, for ROI in BTC and ETH: a gentle random walk over the demo's span."""
        if coin_id not in REFERENCE_START or not self._coins:
            return []
        first = min(coin.listed_on for coin in self._coins.values())
        rng = random.Random(coin_id)
        price = REFERENCE_START[coin_id]
        quotes = []
        for day in range((self.today - first).days + 1):
            price = (price * Decimal(str(rng.uniform(0.975, 1.027)))).quantize(Decimal("0.01"))
            moment = dt.datetime.combine(first + dt.timedelta(days=day), dt.time(12), tzinfo=dt.UTC)
            quotes.append(Quote(coin_id, moment, price, None, None))
        return quotes


def _multiple(path: str, day: int) -> Decimal:
    """The price as a multiple of the sale price, `day` days after listing."""
    if path == "below_sale":
        return max(Decimal("0.35"), Decimal("1.1") - Decimal("0.02") * day)
    if path == "pump_and_dump":
        if day <= 10:
            return Decimal(1) + Decimal("0.45") * day  # up to 5.5× in ten days
        return max(Decimal("0.4"), Decimal("5.5") - Decimal("0.6") * (day - 10))
    return Decimal("1.4") + Decimal("0.8") * Decimal(min(day, 120)) / 120
