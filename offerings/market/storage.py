"""The write phase of a price refresh: one transaction per batch of quotes, set-based."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from offerings.market.provider import Quote
from offerings.market.summary import (
    HISTORY_FIELDS,
    PRICE_FIELDS,
    facts_key,
    summary_quote_apply,
    summary_rebuild,
    summary_traded,
)
from offerings.models import MarketSnapshot, MarketSummary, Offering, ReferencePrice
from offerings.signals import offerings_changed

# Coins whose daily price is kept for ROI measured in them.
REFERENCE_COINS = ("bitcoin", "ethereum")
WRITE_BATCH = 1000


@dataclass
class StoreResult:
    snapshots: int = 0
    offerings_changed: int = 0
    unlinked: int = 0  # quotes of coins no offering links to


def linked_offerings(coin_ids: Iterable[str], *, lock: bool = False) -> dict[str, list[int]]:
    """coin id -> ids of the offerings linked to it; with `lock`, those offering rows are
    locked until the transaction ends, so concurrent refreshes of one coin take turns."""
    offerings = Offering.objects.filter(coingecko_id__in=list(coin_ids)).order_by("pk")
    if lock:
        offerings = offerings.select_for_update(no_key=True)
    linked: dict[str, list[int]] = defaultdict(list)
    for pk, coin_id in offerings.values_list("pk", "coingecko_id"):
        linked[coin_id].append(pk)
    return linked


def quotes_store(*, quotes: list[Quote], source: str) -> StoreResult:
    """Upsert the quotes as snapshots of every offering linked to their coin, fold them into
    the summaries, and announce offerings whose market facts changed: all or nothing."""
    result = StoreResult()
    with transaction.atomic():
        linked = linked_offerings({quote.coin_id for quote in quotes}, lock=True)
        _reference_prices_store([q for q in quotes if q.coin_id in REFERENCE_COINS])
        snapshots = [
            MarketSnapshot(
                offering_id=offering_id,
                time=quote.time,
                source=source,
                price_usd=quote.price_usd,
                market_cap_usd=quote.market_cap_usd,
                volume_24h_usd=quote.volume_24h_usd,
            )
            for quote in quotes
            for offering_id in linked.get(quote.coin_id, ())
        ]
        result.unlinked = sum(1 for quote in quotes if quote.coin_id not in linked)
        MarketSnapshot.objects.bulk_create(
            snapshots,
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=["offering", "time", "source"],
            update_fields=["price_usd", "market_cap_usd", "volume_24h_usd"],
        )
        result.snapshots = len(snapshots)
        offering_ids = [pk for ids in linked.values() for pk in ids]
        summaries = MarketSummary.objects.in_bulk(offering_ids)
        before = {pk: facts_key(summary) for pk, summary in summaries.items()}
        changed: dict[int, MarketSummary] = {}
        for quote in sorted(quotes, key=lambda q: q.time):
            for offering_id in linked.get(quote.coin_id, ()):
                summary = summaries.setdefault(offering_id, MarketSummary(offering_id=offering_id))
                if summary_quote_apply(summary, quote):
                    changed[offering_id] = summary
        now = timezone.now()
        for summary in changed.values():
            # A price with volume is evidence of trading whatever the tickers said (a listings
            # refresh re-derives `listed` from the pairs and this evidence together).
            if summary_traded(summary, now=now):
                summary.listed = True
        changed_facts = sorted(
            pk for pk, summary in changed.items() if facts_key(summary) != before.get(pk, ())
        )
        MarketSummary.objects.bulk_create(
            list(changed.values()),
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=["offering"],
            update_fields=[*PRICE_FIELDS, "listed"],
        )
        if changed_facts:
            result.offerings_changed = len(changed_facts)
            offerings_changed.send(sender=MarketSummary, offering_ids=changed_facts)
    return result


def history_store(*, coin_id: str, quotes: list[Quote], source: str, now) -> StoreResult:
    """Upsert a coin's past quotes as snapshots and rebuild the summaries of its offerings
    from their whole history (the peak of the first 30 days needs the start of trading)."""
    result = StoreResult()
    with transaction.atomic():
        linked = linked_offerings([coin_id], lock=True)
        if coin_id in REFERENCE_COINS:
            _reference_prices_store(quotes)
        offering_ids = linked.get(coin_id, [])
        snapshots = [
            MarketSnapshot(
                offering_id=offering_id,
                time=quote.time,
                source=source,
                price_usd=quote.price_usd,
                market_cap_usd=quote.market_cap_usd,
                volume_24h_usd=quote.volume_24h_usd,
            )
            for quote in quotes
            for offering_id in offering_ids
        ]
        MarketSnapshot.objects.bulk_create(
            snapshots,
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=["offering", "time", "source"],
            update_fields=["price_usd", "market_cap_usd", "volume_24h_usd"],
        )
        result.snapshots = len(snapshots)
        summaries = MarketSummary.objects.in_bulk(offering_ids)
        history: dict[int, list[Quote]] = defaultdict(list)
        for offering_id, time, price, cap, volume in (
            MarketSnapshot.objects.filter(offering_id__in=offering_ids)
            .order_by("offering_id", "time")
            .values_list("offering_id", "time", "price_usd", "market_cap_usd", "volume_24h_usd")
        ):
            history[offering_id].append(Quote(coin_id, time, price, cap, volume))
        changed = []
        for offering_id in offering_ids:
            summary = summaries.get(offering_id) or MarketSummary(offering_id=offering_id)
            before = facts_key(summary) if offering_id in summaries else ()
            summary_rebuild(summary, history[offering_id])
            summary.history_loaded_at = now
            summaries[offering_id] = summary
            if facts_key(summary) != before:
                changed.append(offering_id)
        MarketSummary.objects.bulk_create(
            [summaries[pk] for pk in offering_ids],
            update_conflicts=True,
            unique_fields=["offering"],
            update_fields=HISTORY_FIELDS,
        )
        if changed:
            result.offerings_changed = len(changed)
            offerings_changed.send(sender=MarketSummary, offering_ids=sorted(changed))
    return result


def _reference_prices_store(quotes: list[Quote]) -> None:
    # One price a day: the latest quote of the day wins.
    daily = {
        (q.coin_id, q.time.date()): q.price_usd
        for q in sorted(quotes, key=lambda q: q.time)
        if q.price_usd is not None
    }
    ReferencePrice.objects.bulk_create(
        [
            ReferencePrice(coin_id=coin, day=day, price_usd=price)
            for (coin, day), price in daily.items()
        ],
        update_conflicts=True,
        unique_fields=["coin_id", "day"],
        update_fields=["price_usd"],
    )
