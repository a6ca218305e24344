"""Market: what happened on exchanges after the sale (facts from the market-data refresh)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from diligence.facts import OfferingFacts
from diligence.rules.base import amount, flagged, not_applicable, passed, rule, unknown
from diligence.vocabulary import Severity

LISTING_GRACE_DAYS = 90
PUMP_MULTIPLE = Decimal(3)
DUMP_FALL = Decimal("0.7")
THIN_VOLUME_SHARE = Decimal("0.001")


def thresholds() -> dict[str, str]:
    """The market rules' thresholds, configured floor included, for the methodology fingerprint."""
    return {
        "listing_grace_days": str(LISTING_GRACE_DAYS),
        "pump_multiple": str(PUMP_MULTIPLE),
        "dump_fall": str(DUMP_FALL),
        "thin_volume_share": str(THIN_VOLUME_SHARE),
        "thin_volume_floor_usd": str(settings.MARKET_THIN_VOLUME_FLOOR_USD),
    }


def _not_traded_yet(facts: OfferingFacts):
    if not facts.ended:
        return not_applicable(f"sale status: {facts.status or 'unknown'}")
    if facts.market is None or facts.market.listed is None:
        return not_applicable("listing data: not available")
    if not facts.market.listed:
        return not_applicable("not listed")
    return None


@rule(
    code="market.not_listed",
    title="Never listed",
    category="market",
    severity=Severity.HIGH,
    rationale=(
        "A token that trades nowhere months after its sale cannot be sold; unlisted tokens "
        "go inactive three times as often as listed ones."
    ),
    source="Benedetti & Kostovetsky: 52% inactive when unlisted vs 16% when listed",
)
def market_not_listed(facts: OfferingFacts):
    if not facts.ended:
        return not_applicable(f"sale status: {facts.status or 'unknown'}")
    if facts.end_date is None:
        return unknown("sale ended, but its end date is not recorded")
    days = (facts.today - facts.end_date).days
    if days <= LISTING_GRACE_DAYS:
        return not_applicable(f"sale ended {days} days ago")
    if facts.market is None or facts.market.listed is None:
        return unknown("listing data: not available")
    if facts.market.listed:
        return passed("listed on at least one exchange")
    return flagged(f"sale ended {days} days ago and the token trades nowhere")


@rule(
    code="market.below_sale_price",
    title="Trading below sale price",
    category="market",
    severity=Severity.MEDIUM,
    rationale="Public buyers who cannot sell at what they paid have lost money on the sale.",
    source="Momtaz 2020: about 40% of tokens lose value on their first trading day",
)
def market_below_sale_price(facts: OfferingFacts):
    skip = _not_traded_yet(facts)
    if skip:
        return skip
    price, sale = facts.market.price_usd, facts.token_price_usd
    if price is None or not sale:
        return unknown("market price or sale price not recorded")
    evidence = f"price {amount(price)} USD vs sale price {amount(sale)} USD"
    return flagged(evidence) if price < sale else passed(evidence)


@rule(
    code="market.pump_and_dump",
    title="Pump and dump after listing",
    category="market",
    severity=Severity.HIGH,
    rationale=(
        "A price driven to several times the sale price and then collapsed within weeks is "
        "the pattern of insiders selling into a manufactured rally."
    ),
    source="IEO guide, disadvantage 3",
)
def market_pump_and_dump(facts: OfferingFacts):
    skip = _not_traded_yet(facts)
    if skip:
        return skip
    market, sale = facts.market, facts.token_price_usd
    peak, low = market.peak_30d_usd, market.low_after_peak_usd
    if peak is None or low is None or not sale:
        return unknown("price history of the first 30 days not available")
    pumped = peak > PUMP_MULTIPLE * sale
    dumped = low < peak * (1 - DUMP_FALL)
    multiple = amount((peak / sale).quantize(Decimal("0.1")))
    evidence = (
        f"30-day peak {amount(peak)} USD ({multiple} times the sale price), "
        f"low after peak {amount(low)} USD"
    )
    return flagged(evidence) if pumped and dumped else passed(evidence)


@rule(
    code="market.delisted",
    title="Delisted",
    category="market",
    severity=Severity.HIGH,
    rationale=(
        "Exchanges delist tokens for fraud, dead projects or vanished volume; each delisting "
        "strands holders."
    ),
    source="Momtaz 2020: 21% of tokens delisted from a major exchange",
)
def market_delisted(facts: OfferingFacts):
    if facts.ended and facts.market is not None and facts.market.delisted:
        # Checked before the listing: a token delisted everywhere is no longer listed anywhere.
        return flagged("delisted from an exchange")
    skip = _not_traded_yet(facts)
    if skip:
        return skip
    if facts.market.delisted is None:
        return unknown("delisting data: not available")
    return passed("no delisting recorded")


@rule(
    code="market.thin_liquidity",
    title="Thin liquidity",
    category="market",
    severity=Severity.LOW,
    rationale=(
        "With little daily volume, holders cannot sell without moving the price against "
        "themselves, and the quoted price means little."
    ),
    source="exchange-risk article, 'Liquidity and Market Risks'",
)
def market_thin_liquidity(facts: OfferingFacts):
    skip = _not_traded_yet(facts)
    if skip:
        return skip
    volume, cap = facts.market.volume_24h_usd, facts.market.market_cap_usd
    floor = Decimal(settings.MARKET_THIN_VOLUME_FLOOR_USD)
    if volume is not None and cap and volume < cap * THIN_VOLUME_SHARE:
        return flagged(f"24h volume {amount(volume)} USD on a market cap of {amount(cap)} USD")
    if volume is not None and volume < floor:
        # Under the absolute floor a token is thin whatever its market cap.
        return flagged(f"24h volume {amount(volume)} USD is under the floor of {amount(floor)} USD")
    if volume is None or not cap:
        return unknown("volume or market cap not available")
    return passed(f"24h volume {amount(volume)} USD on a market cap of {amount(cap)} USD")
