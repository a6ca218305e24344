"""What the market-data refresh stores: price snapshots, listings, a per-offering summary,
reference prices (BTC, ETH) and proposed links to provider coins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models

from .offering import Offering
from .venue import Venue


def market_amount(verbose_name: str | None = None) -> models.DecimalField:
    """Prices, caps and volumes as the provider quotes them: exact, unknown when empty."""
    return models.DecimalField(
        verbose_name, max_digits=40, decimal_places=18, null=True, blank=True
    )


class MarketSnapshot(models.Model):
    """One provider quote of an offering's token at the provider's time of the quote."""

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="snapshots")
    time = models.DateTimeField()
    source = models.CharField(max_length=20)
    price_usd = market_amount("price (USD)")
    market_cap_usd = market_amount("market cap (USD)")
    volume_24h_usd = market_amount("24h volume (USD)")

    class Meta:
        ordering = ["offering_id", "-time"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "time", "source"], name="market_snapshot_unique_time"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offering_id} at {self.time:%Y-%m-%d %H:%M}: {self.price_usd} USD"


class Listing(models.Model):
    """A trading pair of an offering's token on a venue, as the listings refresh saw it."""

    class Status(models.TextChoices):
        LISTED = "listed", "Listed"
        DELISTED = "delisted", "Delisted"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="listings")
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="listings")
    pair = models.CharField(max_length=60, help_text="BASE/TARGET, e.g. ABC/USDT")
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField(help_text="Last time the pair traded (not stale).")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.LISTED)
    last_price_usd = market_amount("last price (USD)")
    volume_24h_usd = market_amount("24h volume (USD)")

    class Meta:
        ordering = ["offering_id", "venue__name", "pair"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "venue", "pair"], name="listing_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pair} on {self.venue_id} ({self.status})"


class MarketSummary(models.Model):
    """What the rules and pages read about an offering's market, kept current by the refresh
    so that reading it is one join, whatever the length of the price history."""

    offering = models.OneToOneField(
        Offering, on_delete=models.CASCADE, primary_key=True, related_name="market_summary"
    )
    price_usd = market_amount("price (USD)")
    market_cap_usd = market_amount("market cap (USD)")
    volume_24h_usd = market_amount("24h volume (USD)")
    price_at = models.DateTimeField(null=True, blank=True, help_text="Time of the latest quote.")
    ath_usd = market_amount("highest price since listing (USD)")
    listed_at = models.DateTimeField(
        null=True, blank=True, help_text="First price or listing we observed."
    )
    peak_30d_usd = market_amount("highest price in the first 30 days (USD)")
    peak_at = models.DateTimeField(null=True, blank=True)
    low_after_peak_usd = market_amount("lowest price after that peak (USD)")
    listings_checked_at = models.DateTimeField(null=True, blank=True)
    history_loaded_at = models.DateTimeField(
        null=True, blank=True, help_text="When the coin's past daily prices were loaded."
    )
    listed = models.BooleanField(null=True, blank=True)
    delisted = models.BooleanField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "market summaries"

    def __str__(self) -> str:
        return f"market of {self.offering_id}"

    def roi(self, sale_price_usd: Decimal | None) -> Decimal | None:
        """Return since the sale: price / sale price − 1, unknown without both prices."""
        if self.price_usd is None or not sale_price_usd:
            return None
        return self.price_usd / sale_price_usd - 1

    def days_to_listing(self, sale_end: dt.date | None) -> int | None:
        if self.listed_at is None or sale_end is None:
            return None
        return (self.listed_at.date() - sale_end).days


class ReferencePrice(models.Model):
    """The daily USD price of a reference coin (bitcoin, ethereum) for ROI in those coins."""

    coin_id = models.CharField(max_length=100)
    day = models.DateField()
    price_usd = market_amount("price (USD)")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["coin_id", "day"], name="reference_price_unique_day")
        ]

    def __str__(self) -> str:
        return f"{self.coin_id} on {self.day}: {self.price_usd} USD"


class CoinMatch(models.Model):
    """A proposed link from an offering to a provider coin, applied only once an analyst
    confirms it."""

    class Method(models.TextChoices):
        CONTRACT = "contract", "Same contract address"
        SYMBOL_NAME = "symbol_name", "Same symbol and name"

    class State(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="coin_matches")
    coingecko_id = models.CharField("CoinGecko id", max_length=100)
    coin_name = models.CharField(max_length=200, blank=True)
    coin_symbol = models.CharField(max_length=40, blank=True)
    method = models.CharField(max_length=12, choices=Method.choices)
    evidence = models.CharField(max_length=300)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PROPOSED)
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "coin matches"
        ordering = ["state", "offering__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering", "coingecko_id"], name="coin_match_unique_proposal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offering} → {self.coingecko_id} ({self.state})"
