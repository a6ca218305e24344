"""Keeping MarketSummary current as quotes and listings arrive (pure functions of the rows)."""

from __future__ import annotations

import datetime as dt

from offerings.market.provider import Quote
from offerings.models import MarketSummary

# market.pump_and_dump looks at the peak within this many days of the first listing.
PEAK_WINDOW = dt.timedelta(days=30)
PRICE_FIELDS = [
    "price_usd",
    "market_cap_usd",
    "volume_24h_usd",
    "price_at",
    "ath_usd",
    "listed_at",
    "peak_30d_usd",
    "peak_at",
    "low_after_peak_usd",
    "updated_at",
]
HISTORY_FIELDS = [*PRICE_FIELDS, "history_loaded_at"]
LISTING_FIELDS = ["listed_at", "listings_checked_at", "listed", "delisted", "updated_at"]
# A quote this recent with a price and some 24h volume shows the coin trades somewhere.
TRADED_QUOTE_AGE = dt.timedelta(days=2)


def summary_traded(summary: MarketSummary | None, *, now: dt.datetime) -> bool:
    """The provider reports a current price and a 24h volume for the coin: it is traded, so
    listed somewhere (venue unknown), whatever its list of tickers says."""
    return bool(
        summary is not None
        and summary.price_usd is not None
        and summary.volume_24h_usd
        and summary.volume_24h_usd > 0
        and summary.price_at is not None
        and summary.price_at >= now - TRADED_QUOTE_AGE
    )


def facts_key(summary: MarketSummary | None) -> tuple:
    """What the market rules read: a change here means the offering needs rescoring."""
    if summary is None:
        return ()
    return (
        summary.listed,
        summary.delisted,
        summary.price_usd,
        summary.peak_30d_usd,
        summary.low_after_peak_usd,
        summary.market_cap_usd,
        summary.volume_24h_usd,
    )


def summary_quote_apply(summary: MarketSummary, quote: Quote) -> bool:
    """Fold a quote into the summary; False (and nothing changed) for a quote no newer than
    the latest one, so replaying a refresh changes nothing."""
    if summary.price_at is not None and quote.time <= summary.price_at:
        return False
    summary.price_usd = quote.price_usd
    summary.market_cap_usd = quote.market_cap_usd
    summary.volume_24h_usd = quote.volume_24h_usd
    summary.price_at = quote.time
    price = quote.price_usd
    if price is None:
        return True
    if summary.listed_at is None or quote.time < summary.listed_at:
        summary.listed_at = quote.time
    if summary.ath_usd is None or price > summary.ath_usd:
        summary.ath_usd = price
    in_window = quote.time <= summary.listed_at + PEAK_WINDOW
    if in_window and (summary.peak_30d_usd is None or price > summary.peak_30d_usd):
        summary.peak_30d_usd, summary.peak_at, summary.low_after_peak_usd = price, quote.time, price
    elif summary.peak_30d_usd is not None and price < summary.low_after_peak_usd:
        summary.low_after_peak_usd = price
    return True


def summary_rebuild(summary: MarketSummary, quotes: list[Quote]) -> None:
    """Fold a whole price history (any order) into the summary from scratch; the first
    listing seen by the listings refresh is kept when it is earlier than the first price."""
    for name in PRICE_FIELDS:
        if name not in ("listed_at", "updated_at"):
            setattr(summary, name, None)
    for quote in sorted(quotes, key=lambda q: q.time):
        summary_quote_apply(summary, quote)
