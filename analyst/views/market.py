"""The market section of the offering page: figures, ROI and a server-rendered price chart."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Avg
from django.db.models.functions import TruncDate
from django.utils import timezone

from offerings.amounts import canonical
from offerings.models import MarketSnapshot, MarketSummary, Offering, ReferencePrice

CHART_DAYS = 365  # price history shown
CHART_WIDTH = 360
CHART_HEIGHT = 160
PLOT_TOP, PLOT_BOTTOM = 8, 140  # the plot's vertical extent inside the SVG


def market_context(offering: Offering) -> dict[str, Any]:
    """What the market section shows (2 queries when there is market data, none otherwise)."""
    try:
        summary = offering.market_summary
    except ObjectDoesNotExist:
        summary = None
    listings = list(offering.listings.all())
    if summary is None:
        return {"market": None, "listings": listings}
    sale = offering.token_price_usd
    return {
        "market": {
            "summary": summary,
            "price": _exact(summary.price_usd),
            "ath": _exact(summary.ath_usd),
            "roi": percent(summary.roi(sale)),
            "roi_in": _roi_in_coins(offering, summary),
            "days_to_listing": summary.days_to_listing(offering.end_date),
            "chart": price_chart(daily_prices(offering), sale),
        },
        "listings": listings,
    }


def daily_prices(offering: Offering) -> list[tuple[dt.date, Decimal]]:
    """The average quoted price of each day of the last CHART_DAYS days (one query)."""
    rows = (
        MarketSnapshot.objects.filter(offering=offering, price_usd__isnull=False)
        .filter(time__gte=timezone.now() - dt.timedelta(days=CHART_DAYS))
        .annotate(day=TruncDate("time"))
        .values("day")
        .annotate(price=Avg("price_usd"))
        .order_by("day")
        .values_list("day", "price")
    )
    return [(day, Decimal(price)) for day, price in rows]


def _roi_in_coins(offering: Offering, summary: MarketSummary) -> dict[str, str]:
    """ROI measured in bitcoin and ether, when their prices on the sale's last day and on the
    latest quote's day are known (one query)."""
    sale, price = offering.token_price_usd, summary.price_usd
    if not sale or price is None or offering.end_date is None or summary.price_at is None:
        return {}
    now = summary.price_at.date()
    prices = {
        (coin, day): value
        for coin, day, value in ReferencePrice.objects.filter(
            day__in=[offering.end_date, now], price_usd__gt=0
        ).values_list("coin_id", "day", "price_usd")
    }
    labels = {"bitcoin": "BTC", "ethereum": "ETH"}
    roi = {}
    for coin, label in labels.items():
        then, today = prices.get((coin, offering.end_date)), prices.get((coin, now))
        if then and today:
            roi[label] = percent((price / today) / (sale / then) - 1)
    return roi


def percent(ratio: Decimal | None) -> str | None:
    """0.512 -> '+51.2%'."""
    if ratio is None:
        return None
    return f"{ratio * 100:+,.1f}%"


def _exact(amount: Decimal | None) -> str | None:
    return None if amount is None else canonical(amount)


@dataclass(frozen=True)
class Tick:
    y: float
    price: str
    roi: str | None


def price_chart(points: list[tuple[dt.date, Decimal]], sale: Decimal | None) -> dict | None:
    """A line of daily prices on a linear scale from 0, the sale price as a dashed line, and
    price ticks with the ROI they stand for; None with fewer than one point."""
    if not points:
        return None
    top = max([price for _, price in points] + ([sale] if sale else [])) * Decimal("1.1")
    top = top or Decimal(1)

    def y(price: Decimal) -> float:
        return round(PLOT_BOTTOM - float(price / top) * (PLOT_BOTTOM - PLOT_TOP), 2)

    step = CHART_WIDTH / max(1, len(points) - 1)
    line = " ".join(f"{round(i * step, 2)},{y(price)}" for i, (_, price) in enumerate(points))
    ticks = [
        Tick(y(value), canonical(Decimal(f"{value:.3g}")), _tick_roi(value, sale))
        for value in (top * Decimal(fraction) / 4 for fraction in range(0, 4))
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "line": line,
        "single": len(points) == 1,
        "first_y": y(points[0][1]),
        "sale_y": y(sale) if sale else None,
        "sale": canonical(sale) if sale else None,
        "ticks": ticks,
        "first_day": points[0][0],
        "last_day": points[-1][0],
        "last": points[-1],
        "days": len(points),
    }


def _tick_roi(value: Decimal, sale: Decimal | None) -> str | None:
    return percent(value / sale - 1) if sale else None
