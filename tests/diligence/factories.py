"""Offering facts built in memory for the rule and scoring tests: no database involved.

`make_facts()` starts from an ICO that ended a month before TODAY and passes every rule that
applies to it; a test overrides only the facts its rule reads, so the evidence it checks is
decided by those facts alone.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from diligence.facts import (
    Allocation,
    Incident,
    MarketFacts,
    Member,
    OfferingFacts,
    Round,
    VenueFacts,
    WhitepaperCopyFacts,
)
from diligence.record_facts import RecordFacts
from diligence.rules import RULES, Result
from diligence.unlock_facts import UnlockFacts, Upcoming

TODAY = dt.date(2026, 6, 1)

# A whitepaper that names all seven sections whitepaper.incomplete asks for, and promises nothing.
WHITEPAPER_TEXT = """\
1. Introduction
Our mission is to make card payments cheap for small merchants.

2. Technical Design
The settlement layer is a set of audited smart contracts on an EVM-compatible chain.

3. Team
Founded by three engineers who built payment systems at two banks.

4. Tokenomics
The total supply is fixed at 100,000,000 tokens, with a vesting schedule for the team.

5. Use of Proceeds
Funds raised will be used for development (60%), audits (10%) and operations (30%).

6. Roadmap
Q3 2026: merchant pilot. Q1 2027: public launch.

7. Accepted Currencies
We accept ETH and USDT during the sale.
"""


def D(value: str | int) -> Decimal:
    return Decimal(str(value))


def member(
    *,
    named: bool = True,
    experienced: bool | None = True,
    advisor: bool = False,
    has_profile: bool = True,
) -> Member:
    return Member(
        named=named,
        anonymous=not named,
        experienced=experienced,
        advisor=advisor,
        has_profile=has_profile,
    )


def advisor(*, named: bool = True, has_profile: bool = True) -> Member:
    return member(named=named, experienced=None, advisor=True, has_profile=has_profile)


def allocation(
    bucket: str,
    percent: str | int | None,
    vesting_months: int | None = None,
    cliff_months: int | None = None,
) -> Allocation:
    share = None if percent is None else D(percent)
    return Allocation(
        bucket=bucket, percent=share, vesting_months=vesting_months, cliff_months=cliff_months
    )


def sale_round(
    kind: str, *, price_usd: str | None = None, discount_percent: str | int | None = None
) -> Round:
    return Round(
        kind,
        None if price_usd is None else D(price_usd),
        None if discount_percent is None else D(discount_percent),
    )


def incident(occurred_on: dt.date, kind: str = "breach") -> Incident:
    return Incident(occurred_on, kind)


def venue(
    name: str = "Kraken",
    *,
    kind: str = "cex",
    licensed: bool | None = True,
    kyc_aml_enforced: bool | None = True,
    reputation_tier: str = "tier1",
    incidents: tuple[Incident, ...] = (),
) -> VenueFacts:
    return VenueFacts(name, kind, licensed, kyc_aml_enforced, reputation_tier, incidents)


def market(**overrides) -> MarketFacts:
    """A listed token trading a little above its 0.10 USD sale price, with healthy volume."""
    listed = MarketFacts(
        listed=True,
        delisted=False,
        price_usd=D("0.12"),
        peak_30d_usd=D("0.2"),
        low_after_peak_usd=D("0.11"),
        market_cap_usd=D(10_000_000),
        volume_24h_usd=D(500_000),
    )
    return dataclasses.replace(listed, **overrides)


def upcoming(
    date: dt.date, bucket: str = "team", *, of_circulating="2", of_supply="0.6", kind="linear"
) -> Upcoming:
    return Upcoming(
        date,
        bucket,
        kind,
        None if of_supply is None else D(of_supply),
        None if of_circulating is None else D(of_circulating),
    )


def unlocks(*events: Upcoming, fully_unlocked_on: dt.date | None = None) -> UnlockFacts:
    """Unlock facts: by default one small monthly team tranche within the 90-day window."""
    if not events and fully_unlocked_on is None:
        events = (upcoming(TODAY + dt.timedelta(days=20)),)
    return UnlockFacts(90, events, fully_unlocked_on)


BASELINE = OfferingFacts(
    offering_id=1,
    name="Payline",
    kind="ico",
    status="ended",
    today=TODAY,
    token_type="utility",
    start_date=dt.date(2026, 3, 1),
    end_date=dt.date(2026, 5, 1),
    team=(member(), member(), member(), advisor()),
    team_size=5,
    legal_entity="Payline Labs GmbH",
    country="DE",
    postal_address="Torstrasse 1, 10119 Berlin",
    regulatory_filing="",
    description="A payment network that settles card payments for small merchants.",
    claims="",
    whitepaper_url="https://payline.example/whitepaper.pdf",
    whitepaper_pages=30,
    whitepaper_text=WHITEPAPER_TEXT,
    roadmap=True,
    use_of_proceeds=True,
    cap_currency="USD",
    soft_cap=D(1_000_000),
    hard_cap=D(5_000_000),
    raised_usd=D(3_000_000),
    token_price_usd=D("0.10"),
    total_supply=D(100_000_000),
    tokens_for_sale=D(40_000_000),
    supply_fixed=True,
    refund_policy="full",
    kyc="required",
    allocations=(
        allocation("team", 15, vesting_months=24, cliff_months=6),
        allocation("advisors", 5, vesting_months=12),
        allocation("presale", 10, vesting_months=6),
        allocation("public_sale", 40),
        allocation("treasury", 20, vesting_months=36),
        allocation("ecosystem", 10),
    ),
    rounds=(
        sale_round("presale", price_usd="0.08", discount_percent=20),
        sale_round("public", price_usd="0.10"),
    ),
    product_stage="live",
    code_url="https://github.com/payline/contracts",
    code_public=None,
    audits=1,
    venue=None,
    website="https://payline.example",
    socials=frozenset({"twitter", "telegram"}),
    backers=("Acme Ventures",),
    market=market(),
    bonus=False,
    unlocks=unlocks(),
    # Public records consulted, nothing found (no contract address to check against sanctions).
    records=RecordFacts(
        regulator_lists=("SEC litigation releases (RSS), 2026-05-01",),
        sanctions_list="OFAC SDN list, imported 2026-05-01",
    ),
    whitepaper_copy=WhitepaperCopyFacts(
        document_id=1,
        document_url="https://payline.example/whitepaper.pdf",
        document_date=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        compared_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
        matches=(),
    ),
)


def make_facts(**overrides) -> OfferingFacts:
    """The all-pass baseline with the given facts replaced."""
    return dataclasses.replace(BASELINE, **overrides)


def check(code: str, facts: OfferingFacts) -> Result:
    """The verdict of the rule `code` on `facts`."""
    return RULES[code].check(facts)
