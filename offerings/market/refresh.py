"""Refreshing prices and listings: fetch a batch from the provider, then store it in one
transaction. A failed fetch writes nothing; the next run completes the work."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from offerings.market.coingecko import coingecko_from_settings
from offerings.market.listings import listings_store
from offerings.market.provider import Exchange, MarketProvider, Skipped, Ticker
from offerings.market.storage import REFERENCE_COINS, history_store, quotes_store
from offerings.models import Offering, ReferencePrice
from offerings.resilience import ProviderError, ProviderNotFound, ProviderUnavailable

logger = logging.getLogger(__name__)


@dataclass
class RefreshReport:
    coins: int = 0
    snapshots: int = 0
    pairs_seen: int = 0
    delisted: int = 0
    offerings_changed: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # batches or coins not refreshed, and why

    def add(self, other: RefreshReport) -> None:
        for name in ("coins", "snapshots", "pairs_seen", "delisted", "offerings_changed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.skipped += other.skipped
        self.failed += other.failed

    def as_dict(self) -> dict:
        return {
            "coins": self.coins,
            "snapshots": self.snapshots,
            "pairs_seen": self.pairs_seen,
            "delisted": self.delisted,
            "offerings_changed": self.offerings_changed,
            "skipped": [str(s) for s in self.skipped],
            "failed": self.failed,
        }


@contextmanager
def provider_used(provider: MarketProvider | None) -> Iterator[MarketProvider]:
    """The given provider, or one from settings that is closed afterwards."""
    if provider is not None:
        yield provider
        return
    made = coingecko_from_settings()
    try:
        yield made
    finally:
        made.close()


def linked_coin_ids(offerings: QuerySet[Offering] | None = None) -> list[str]:
    """The distinct coin ids offerings link to, sorted."""
    offerings = Offering.objects.all() if offerings is None else offerings
    return sorted(
        set(offerings.exclude(coingecko_id="").values_list("coingecko_id", flat=True).distinct())
    )


def batches(ids: list[str], size: int) -> list[list[str]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def market_batches(offerings: QuerySet[Offering] | None = None) -> list[list[str]]:
    """Coin ids in batches of one /coins/markets call, the reference coins included."""
    ids = linked_coin_ids(offerings)
    ids += [coin for coin in REFERENCE_COINS if coin not in ids]
    return batches(ids, settings.MARKET_BATCH_SIZE)


def market_batch_refresh(
    *, coin_ids: list[str], provider: MarketProvider | None = None
) -> RefreshReport:
    """Fetch and store the quotes of one batch of coins."""
    report = RefreshReport(coins=len(coin_ids))
    try:
        with provider_used(provider) as used:
            fetched = used.quotes(coin_ids)
    except ProviderError as exc:
        report.failed.append(f"quotes of {len(coin_ids)} coins ({coin_ids[0]}…): {exc}")
        logger.warning("market refresh: %s", report.failed[-1])
        return report
    report.skipped = fetched.skipped
    stored = quotes_store(quotes=fetched.items, source=used.source)
    report.snapshots, report.offerings_changed = stored.snapshots, stored.offerings_changed
    for skipped in fetched.skipped:
        logger.info("market refresh skipped %s", skipped)
    return report


def listings_batch_refresh(
    *,
    coin_ids: list[str],
    provider: MarketProvider | None = None,
    now: dt.datetime | None = None,
) -> RefreshReport:
    """Fetch each coin's tickers and store the batch's listings. A coin whose tickers cannot
    be fetched is reported and left as it was (its pairs are not delisted for it)."""
    report = RefreshReport(coins=len(coin_ids))
    with provider_used(provider) as used:
        tickers = _tickers(used, coin_ids, report)
        exchanges = _exchanges(used, tickers)
    if tickers:
        stored = listings_store(
            tickers=tickers,
            now=now or timezone.now(),
            grace=dt.timedelta(days=settings.MARKET_DELISTING_GRACE_DAYS),
            exchanges=exchanges,
        )
        report.pairs_seen, report.delisted = stored.pairs_seen, stored.delisted
        report.offerings_changed = len(stored.offerings_changed)
    for failure in report.failed:
        logger.warning("listings refresh: %s", failure)
    return report


def _tickers(
    provider: MarketProvider, coin_ids: list[str], report: RefreshReport
) -> dict[str, list[Ticker]]:
    tickers: dict[str, list[Ticker]] = {}
    for coin_id in coin_ids:
        try:
            fetched = provider.tickers(coin_id)
        except ProviderNotFound:
            report.skipped.append(Skipped(coin_id, "unknown to the provider"))
            continue
        except ProviderUnavailable as exc:
            report.failed.append(f"tickers of {coin_id} and the rest of the batch: {exc}")
            break
        except ProviderError as exc:
            report.failed.append(f"tickers of {coin_id}: {exc}")
            continue
        tickers[coin_id] = fetched.items
        report.skipped += fetched.skipped
    return tickers


def _exchanges(provider: MarketProvider, tickers: dict[str, list[Ticker]]) -> dict[str, Exchange]:
    """Venue data for the exchanges seen, when the provider answers (optional)."""
    if not any(tickers.values()):
        return {}
    try:
        return {exchange.exchange_id: exchange for exchange in provider.exchanges()}
    except ProviderError as exc:
        logger.info("listings refresh: no exchange data (%s)", exc)
        return {}


def history_pending(
    offerings: QuerySet[Offering] | None = None, *, limit: int | None = None
) -> list[str]:
    """Coins whose past prices were never loaded: coins of linked offerings without loaded
    history, and the reference coins while they hold under a month of daily prices."""
    offerings = Offering.objects.all() if offerings is None else offerings
    pending = linked_coin_ids(offerings.exclude(market_summary__history_loaded_at__isnull=False))
    month_ago = timezone.localdate() - dt.timedelta(days=30)
    known = set(ReferencePrice.objects.filter(day__lte=month_ago).values_list("coin_id", flat=True))
    pending += [coin for coin in REFERENCE_COINS if coin not in known and coin not in pending]
    return pending[:limit] if limit else pending


def history_batch_refresh(
    *, coin_ids: list[str], provider: MarketProvider | None = None
) -> RefreshReport:
    """Load each coin's past daily prices and rebuild its offerings' summaries from them."""
    report = RefreshReport(coins=len(coin_ids))
    with provider_used(provider) as used:
        for coin_id in coin_ids:
            try:
                fetched = used.history(coin_id)
            except ProviderNotFound:
                report.skipped.append(Skipped(coin_id, "unknown to the provider"))
                continue
            except ProviderUnavailable as exc:
                report.failed.append(f"history of {coin_id} and the rest of the batch: {exc}")
                break
            except ProviderError as exc:
                report.failed.append(f"history of {coin_id}: {exc}")
                continue
            report.skipped += fetched.skipped
            stored = history_store(
                coin_id=coin_id, quotes=fetched.items, source=used.source, now=timezone.now()
            )
            report.snapshots += stored.snapshots
            report.offerings_changed += stored.offerings_changed
    for failure in report.failed:
        logger.warning("history refresh: %s", failure)
    return report


def market_refresh(
    *,
    offerings: QuerySet[Offering] | None = None,
    provider: MarketProvider | None = None,
    prices: bool = True,
    history: bool = True,
    listings: bool = True,
) -> RefreshReport:
    """Refresh every linked offering (or those given) synchronously, batch by batch: current
    prices, past prices of coins never loaded before, then listings."""
    report = RefreshReport()
    with provider_used(provider) as used:
        if prices:
            for batch in market_batches(offerings):
                report.add(market_batch_refresh(coin_ids=batch, provider=used))
        if history:
            coins = history_pending(offerings)
            for batch in batches(coins, settings.MARKET_LISTINGS_BATCH_SIZE):
                report.add(history_batch_refresh(coin_ids=batch, provider=used))
        if listings:
            coins = linked_coin_ids(offerings)
            for batch in batches(coins, settings.MARKET_LISTINGS_BATCH_SIZE):
                report.add(listings_batch_refresh(coin_ids=batch, provider=used))
    report.coins = len(linked_coin_ids(offerings))
    return report
