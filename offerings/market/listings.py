"""The write phase of a listings refresh: pairs seen trading are upserted, pairs unseen for
longer than the grace period are delisted, venues are matched (or created) by exchange."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import slugify

from offerings.market.provider import Exchange, Ticker
from offerings.market.storage import WRITE_BATCH, linked_offerings
from offerings.market.summary import LISTING_FIELDS, facts_key, summary_traded
from offerings.models import Listing, MarketSummary, Venue
from offerings.signals import listings_changed, offerings_changed


@dataclass
class ListingsResult:
    pairs_seen: int = 0
    not_trading: int = 0  # stale or anomalous tickers, which do not keep a pair listed
    delisted: int = 0
    venues_created: int = 0
    unmatched: int = 0  # tickers whose exchange could not be given a venue
    listings_changed: list[int] = field(default_factory=list)
    offerings_changed: list[int] = field(default_factory=list)


def listings_store(
    *,
    tickers: dict[str, list[Ticker]],
    now: dt.datetime,
    grace: dt.timedelta,
    exchanges: dict[str, Exchange] | None = None,
) -> ListingsResult:
    """Record what each coin's tickers say (`tickers` holds every coin whose tickers were
    fetched, even with none), in one transaction."""
    result = ListingsResult()
    with transaction.atomic():
        linked = linked_offerings(tickers, lock=True)
        trading = [t for ts in tickers.values() for t in ts if t.trading]
        result.not_trading = sum(1 for ts in tickers.values() for t in ts if not t.trading)
        venues = _venues_resolve(trading, exchanges or {}, result)
        offering_ids = [pk for ids in linked.values() for pk in ids]
        existing = {
            (row[0], row[1], row[2]): row[3:]
            for row in Listing.objects.filter(offering_id__in=offering_ids).values_list(
                "offering_id", "venue_id", "pair", "status", "last_seen", "first_seen", "pk"
            )
        }
        summaries = MarketSummary.objects.in_bulk(offering_ids)
        # An empty list of tickers for a coin the provider prices with volume is no evidence of
        # delisting: it trades somewhere, so its pairs are kept.
        kept = {
            offering_id
            for coin_id, coin_tickers in tickers.items()
            if not coin_tickers
            for offering_id in linked.get(coin_id, ())
            if summary_traded(summaries.get(offering_id), now=now)
        }
        seen: dict[tuple, Listing] = {}
        for ticker in trading:
            venue_id = venues.get(ticker.exchange_id)
            if venue_id is None:  # a name clash kept its venue from being created
                result.unmatched += 1
                continue
            for offering_id in linked.get(ticker.coin_id, ()):
                key = (offering_id, venue_id, ticker.pair)
                seen[key] = Listing(
                    offering_id=offering_id,
                    venue_id=key[1],
                    pair=ticker.pair,
                    first_seen=now,
                    last_seen=now,
                    status=Listing.Status.LISTED,
                    last_price_usd=ticker.last_price_usd,
                    volume_24h_usd=ticker.volume_usd,
                )
        Listing.objects.bulk_create(
            list(seen.values()),
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=["offering", "venue", "pair"],
            update_fields=["last_seen", "status", "last_price_usd", "volume_24h_usd"],
        )
        result.pairs_seen = len(seen)
        gone = [
            key
            for key, (status, last_seen, *_) in existing.items()
            if key not in seen
            and key[0] not in kept
            and status == Listing.Status.LISTED
            and last_seen < now - grace
        ]
        if gone:
            Listing.objects.filter(pk__in=[existing[key][3] for key in gone]).update(
                status=Listing.Status.DELISTED
            )
        result.delisted = len(gone)
        moved = {key[0] for key in gone} | {
            key[0]
            for key in seen
            if key not in existing or existing[key][0] != Listing.Status.LISTED
        }
        result.listings_changed = sorted(moved)
        statuses = {key: status for key, (status, *_rest) in existing.items()}
        statuses.update(dict.fromkeys(seen, Listing.Status.LISTED))
        statuses.update(dict.fromkeys(gone, Listing.Status.DELISTED))
        first_seen = {key: values[2] for key, values in existing.items()}
        first_seen.update({key: now for key in seen if key not in existing})
        result.offerings_changed = _summaries_update(
            offering_ids, statuses, first_seen, now, summaries
        )
        if result.listings_changed:
            listings_changed.send(sender=Listing, offering_ids=result.listings_changed)
        if result.offerings_changed:
            offerings_changed.send(sender=MarketSummary, offering_ids=result.offerings_changed)
    return result


def _summaries_update(
    offering_ids: list[int],
    statuses: dict[tuple, str],
    first_seen: dict[tuple, dt.datetime],
    now: dt.datetime,
    summaries: dict[int, MarketSummary],
) -> list[int]:
    """listed / delisted / listed_at of each offering from all the evidence: its pairs, and a
    current price with volume (traded, venue unknown); the ids whose market facts changed."""
    venue_statuses: dict[int, dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
    for (offering_id, venue_id, _), status in statuses.items():
        venue_statuses[offering_id][venue_id].add(status)
    earliest: dict[int, dt.datetime] = {}
    for (offering_id, *_), seen_at in first_seen.items():
        earliest[offering_id] = min(seen_at, earliest.get(offering_id, seen_at))
    changed = []
    for offering_id in offering_ids:
        summary = summaries.get(offering_id) or MarketSummary(offering_id=offering_id)
        before = facts_key(summary) if offering_id in summaries else ()
        per_venue = venue_statuses.get(offering_id, {})
        summary.listings_checked_at = now
        summary.listed = any(
            Listing.Status.LISTED in s for s in per_venue.values()
        ) or summary_traded(summary, now=now)
        # Delisted from an exchange: every pair the token had there is gone.
        summary.delisted = any(s == {Listing.Status.DELISTED} for s in per_venue.values())
        if offering_id in earliest and (
            summary.listed_at is None or earliest[offering_id] < summary.listed_at
        ):
            summary.listed_at = earliest[offering_id]
        summaries[offering_id] = summary
        if facts_key(summary) != before:
            changed.append(offering_id)
    MarketSummary.objects.bulk_create(
        [summaries[pk] for pk in offering_ids],
        batch_size=WRITE_BATCH,
        update_conflicts=True,
        unique_fields=["offering"],
        update_fields=LISTING_FIELDS,
    )
    return sorted(changed)


def _venues_resolve(
    tickers: list[Ticker], exchanges: dict[str, Exchange], result: ListingsResult
) -> dict[str, int]:
    """exchange id -> our venue id: the venue whose slug is the exchange id or whose name is
    the exchange's name (case-insensitive); venues for new exchanges are created."""
    names = {t.exchange_id: t.exchange_name for t in tickers}
    if not names:
        return {}
    slugs = {
        exchange_id: (slugify(exchange_id) or slugify(name) or "exchange")[:140]
        for exchange_id, name in names.items()
    }
    lowered = {name.lower() for name in names.values()}
    known = list(
        Venue.objects.annotate(lower_name=Lower("name"))
        .filter(Q(slug__in=slugs.values()) | Q(lower_name__in=lowered))
        .order_by()
        .values_list("pk", "slug", "lower_name")
    )
    by_slug = {slug: pk for pk, slug, _ in known}
    by_name = {name: pk for pk, _, name in known}
    venues = {}
    missing = []
    for exchange_id, name in names.items():
        pk = by_slug.get(slugs[exchange_id]) or by_name.get(name.lower())
        if pk:
            venues[exchange_id] = pk
        else:
            missing.append(_new_venue(slugs[exchange_id], name, exchanges.get(exchange_id)))
    if missing:
        Venue.objects.bulk_create(missing, ignore_conflicts=True)
        result.venues_created = len(missing)
        created = dict(
            Venue.objects.filter(slug__in=[v.slug for v in missing]).values_list("slug", "pk")
        )
        for exchange_id in names:
            venues.setdefault(exchange_id, created.get(slugs[exchange_id]))
    return venues


# CoinGecko trust score (0-10) -> our reputation tier, for venues the refresh creates only;
# an analyst's tier is never overwritten.
def _tier(trust_score: int | None) -> str:
    if trust_score is None:
        return ""
    if trust_score >= 9:
        return Venue.Tier.TOP
    if trust_score >= 6:
        return Venue.Tier.ESTABLISHED
    return Venue.Tier.LOW


def _new_venue(slug: str, name: str, exchange: Exchange | None) -> Venue:
    return Venue(
        name=name[:120],
        slug=slug,
        website=exchange.url[:200] if exchange and exchange.url.startswith("http") else "",
        reputation_tier=_tier(exchange.trust_score if exchange else None),
    )
