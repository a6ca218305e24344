"""Market rules: listing, price and liquidity after the sale."""

from __future__ import annotations

import datetime as dt

import pytest

from diligence.vocabulary import Outcome
from tests.diligence.factories import D, check, make_facts, market

TRADED_RULES = (
    "market.below_sale_price",
    "market.pump_and_dump",
    "market.delisted",
    "market.thin_liquidity",
)
ENDED_91_DAYS_AGO = dt.date(2026, 3, 2)


def trading(**market_facts):
    return make_facts(market=market(**market_facts))


# market.not_listed


def test_not_listed_flags_a_token_trading_nowhere_91_days_after_the_sale():
    facts = make_facts(end_date=ENDED_91_DAYS_AGO, market=market(listed=False))

    result = check("market.not_listed", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "sale ended 91 days ago and the token trades nowhere"


def test_not_listed_passes_a_listed_token():
    result = check("market.not_listed", make_facts(end_date=ENDED_91_DAYS_AGO))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "listed on at least one exchange"


@pytest.mark.parametrize(
    ("end_date", "days"), [(dt.date(2026, 3, 3), 90), (dt.date(2026, 5, 1), 31)]
)
def test_not_listed_gives_a_token_90_days_to_list(end_date, days):
    result = check("market.not_listed", make_facts(end_date=end_date, market=market(listed=False)))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == f"sale ended {days} days ago"


@pytest.mark.parametrize(("status", "shown"), [("active", "active"), (None, "unknown")])
def test_not_listed_does_not_apply_before_the_sale_ends(status, shown):
    result = check("market.not_listed", make_facts(status=status, market=market(listed=False)))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == f"sale status: {shown}"


@pytest.mark.parametrize("listing", [None, market(listed=None)], ids=["no data", "unrecorded"])
def test_not_listed_is_unknown_without_listing_data(listing):
    result = check("market.not_listed", make_facts(end_date=ENDED_91_DAYS_AGO, market=listing))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "listing data: not available"


def test_not_listed_is_unknown_when_an_ended_sale_has_no_end_date():
    result = check("market.not_listed", make_facts(end_date=None, market=market(listed=False)))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "sale ended, but its end date is not recorded"


# rules about a traded token: below_sale_price, pump_and_dump, delisted, thin_liquidity


@pytest.mark.parametrize("code", TRADED_RULES)
def test_traded_rules_do_not_apply_before_the_sale_ends(code):
    result = check(code, make_facts(status="upcoming"))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == "sale status: upcoming"


@pytest.mark.parametrize("code", TRADED_RULES)
def test_traded_rules_do_not_apply_to_a_token_that_is_not_listed(code):
    result = check(code, trading(listed=False))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == "not listed"


@pytest.mark.parametrize("code", TRADED_RULES)
@pytest.mark.parametrize("listing", [None, market(listed=None)], ids=["no data", "unrecorded"])
def test_traded_rules_do_not_apply_without_listing_data(code, listing):
    result = check(code, make_facts(market=listing))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == "listing data: not available"


# market.below_sale_price


@pytest.mark.parametrize(
    ("price", "outcome", "evidence"),
    [
        ("0.12", Outcome.PASS, "price 0.12 USD vs sale price 0.1 USD"),
        ("0.10", Outcome.PASS, "price 0.1 USD vs sale price 0.1 USD"),
        ("0.0999", Outcome.FLAG, "price 0.0999 USD vs sale price 0.1 USD"),
    ],
)
def test_below_sale_price_flags_a_price_under_the_public_sale_price(price, outcome, evidence):
    result = check("market.below_sale_price", trading(price_usd=D(price)))

    assert result.outcome == outcome
    assert result.evidence == evidence


@pytest.mark.parametrize(
    "facts",
    [trading(price_usd=None), make_facts(token_price_usd=None)],
    ids=["no market price", "no sale price"],
)
def test_below_sale_price_is_unknown_without_both_prices(facts):
    result = check("market.below_sale_price", facts)

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "market price or sale price not recorded"


# market.pump_and_dump (sale price 0.10 USD)


def test_pump_and_dump_flags_a_rise_above_3x_then_a_fall_of_over_70_percent():
    result = check(
        "market.pump_and_dump", trading(peak_30d_usd=D("0.35"), low_after_peak_usd=D("0.1"))
    )

    assert result.outcome == Outcome.FLAG
    assert result.evidence == (
        "30-day peak 0.35 USD (3.5 times the sale price), low after peak 0.1 USD"
    )


@pytest.mark.parametrize(
    ("peak", "low", "outcome"),
    [
        ("0.30", "0.01", Outcome.PASS),  # exactly 3 times the sale price is not above it
        ("0.31", "0.01", Outcome.FLAG),
        ("0.40", "0.12", Outcome.PASS),  # a fall of exactly 70% is not more than 70%
        ("0.40", "0.1199", Outcome.FLAG),
        ("0.50", "0.40", Outcome.PASS),  # a pump without a dump
        ("0.20", "0.01", Outcome.PASS),  # a collapse without a pump
    ],
)
def test_pump_and_dump_thresholds(peak, low, outcome):
    facts = trading(peak_30d_usd=D(peak), low_after_peak_usd=D(low))

    assert check("market.pump_and_dump", facts).outcome == outcome


def test_pump_and_dump_passes_an_orderly_market_and_quotes_the_prices():
    result = check("market.pump_and_dump", make_facts())

    assert result.outcome == Outcome.PASS
    assert (
        result.evidence == "30-day peak 0.2 USD (2 times the sale price), low after peak 0.11 USD"
    )


@pytest.mark.parametrize(
    "facts",
    [
        trading(peak_30d_usd=None),
        trading(low_after_peak_usd=None),
        make_facts(token_price_usd=None),
    ],
    ids=["no peak", "no low", "no sale price"],
)
def test_pump_and_dump_is_unknown_without_the_price_history(facts):
    result = check("market.pump_and_dump", facts)

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "price history of the first 30 days not available"


# market.delisted


def test_delisted_flags_a_delisting():
    result = check("market.delisted", trading(delisted=True))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "delisted from an exchange"


def test_delisted_flags_a_token_delisted_from_its_only_exchange():
    result = check("market.delisted", trading(listed=False, delisted=True))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "delisted from an exchange"


def test_delisted_passes_when_no_delisting_is_recorded():
    result = check("market.delisted", trading(delisted=False))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "no delisting recorded"


def test_delisted_is_unknown_without_delisting_data():
    result = check("market.delisted", trading(delisted=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "delisting data: not available"


# market.thin_liquidity (market cap 10,000,000 USD: 0.1% is 10,000 USD)


@pytest.mark.parametrize(
    ("volume", "outcome", "evidence"),
    [
        (500_000, Outcome.PASS, "24h volume 500,000 USD on a market cap of 10,000,000 USD"),
        (10_000, Outcome.PASS, "24h volume 10,000 USD on a market cap of 10,000,000 USD"),
        (9_999, Outcome.FLAG, "24h volume 9,999 USD on a market cap of 10,000,000 USD"),
    ],
)
def test_thin_liquidity_flags_volume_under_a_thousandth_of_market_cap(volume, outcome, evidence):
    result = check("market.thin_liquidity", trading(volume_24h_usd=D(volume)))

    assert result.outcome == outcome
    assert result.evidence == evidence


@pytest.mark.parametrize(
    "market_facts",
    [{"volume_24h_usd": None}, {"market_cap_usd": None}, {"market_cap_usd": D(0)}],
    ids=["no volume", "no market cap", "zero market cap"],
)
def test_thin_liquidity_is_unknown_without_volume_and_market_cap(market_facts):
    result = check("market.thin_liquidity", trading(**market_facts))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "volume or market cap not available"


# market.thin_liquidity: the absolute floor (MARKET_THIN_VOLUME_FLOOR_USD)


def test_thin_liquidity_flags_volume_under_the_configured_floor_whatever_the_market_cap(settings):
    settings.MARKET_THIN_VOLUME_FLOOR_USD = 50_000
    facts = trading(volume_24h_usd=D(40_000), market_cap_usd=D(1_000_000))

    result = check("market.thin_liquidity", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "24h volume 40,000 USD is under the floor of 50,000 USD"


def test_thin_liquidity_floor_decides_even_without_a_market_cap(settings):
    settings.MARKET_THIN_VOLUME_FLOOR_USD = 50_000

    result = check("market.thin_liquidity", trading(volume_24h_usd=D(100), market_cap_usd=None))

    assert result.outcome == Outcome.FLAG


def test_thin_liquidity_passes_volume_at_the_floor(settings):
    settings.MARKET_THIN_VOLUME_FLOOR_USD = 50_000
    facts = trading(volume_24h_usd=D(50_000), market_cap_usd=D(1_000_000))

    assert check("market.thin_liquidity", facts).outcome == Outcome.PASS


def test_thin_liquidity_floor_of_zero_leaves_only_the_market_cap_share(settings):
    settings.MARKET_THIN_VOLUME_FLOOR_USD = 0
    facts = trading(volume_24h_usd=D(2_000), market_cap_usd=D(1_000_000))

    assert check("market.thin_liquidity", facts).outcome == Outcome.PASS
