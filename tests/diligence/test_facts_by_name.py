"""Every scalar fact reaches its rules under its own name (issue 11, item 2).

Each scalar fact gets a value no other fact has; the facts built from the database must carry
each value under its own name, and each rule's evidence must quote the value of the fact it
reads. Swapping two columns in diligence.facts (e.g. roadmap and use_of_proceeds) fails here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from diligence.facts import SCALAR_COLUMNS, VENUE_COLUMNS, OfferingFacts, facts_for
from diligence.rules import RULES
from offerings.models import Offering
from tests.factories import OfferingFactory, VenueFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)

# A value for every scalar fact that no other fact has (the booleans take two runs: in one
# of them every pair of boolean facts differs).
DISTINCT = {
    "name": "Distinct Name",
    "kind": "sto",
    "token_type": "security",
    "start_date": dt.date(2026, 1, 11),
    "end_date": dt.date(2026, 2, 12),
    "team_size": 13,
    "legal_entity": "Entity Quoted AG",
    "country": "KY",
    "postal_address": "Address Line 17",
    "regulatory_filing": "SEC Form D 021-777",
    "description": "A description that promises nothing.",
    "claims": "Claims text, quoted verbatim.",
    "whitepaper_url": "https://wp.example/paper.pdf",
    "whitepaper_pages": 7,
    "cap_currency": "ETH",
    "soft_cap": Decimal("1100000"),
    "hard_cap": Decimal("5300000"),
    "raised_usd": Decimal("770000"),
    "token_price_usd": Decimal("0.37"),
    "total_supply": Decimal("91000000"),
    "tokens_for_sale": Decimal("8190000"),
    "refund_policy": "none",
    "kyc": "not_required",
    "product_stage": "beta",
    "code_url": "https://code.example/repo",
    "website": "http://site.example",
}
BOOLEANS = ("roadmap", "use_of_proceeds", "supply_fixed", "code_public", "bonus")
# Three runs give each boolean its own pattern, so no two can swap unseen.
BOOLEAN_RUNS = [
    dict(zip(BOOLEANS, (True, False, True, False, True), strict=True)),
    dict(zip(BOOLEANS, (True, True, False, False, True), strict=True)),
    dict(zip(BOOLEANS, (True, True, True, True, False), strict=True)),
]
VENUE = {
    "name": "Quoted Venue",
    "kind": "dex",
    "licensed": False,
    "kyc_aml_enforced": True,
    "reputation_tier": "tier3",
}


def _facts(booleans: dict) -> OfferingFacts:
    venue = VenueFactory(**VENUE)
    offering = OfferingFactory(**DISTINCT, **booleans, venue=venue, declared_status="")
    [facts] = facts_for(Offering.objects.filter(pk=offering.pk), today=TODAY)
    return facts


def test_every_fact_read_from_a_column_is_declared_by_name():
    derived = {"offering_id", "status", "today", "team", "whitepaper_text", "allocations"}
    derived |= {"rounds", "audits", "venue", "socials", "backers", "market", "contract"}
    derived |= {"unlocks", "records", "whitepaper_copy"}
    every = {f.name for f in dataclasses.fields(OfferingFacts)}
    assert set(SCALAR_COLUMNS) == every - derived
    assert set(DISTINCT) | set(BOOLEANS) == set(SCALAR_COLUMNS)


@pytest.mark.parametrize("booleans", BOOLEAN_RUNS, ids=["run 1", "run 2", "run 3"])
def test_each_scalar_fact_carries_its_own_column(booleans):
    facts = _facts(booleans)
    for name, value in {**DISTINCT, **booleans}.items():
        assert getattr(facts, name) == value, name
    for name, value in VENUE.items():
        assert getattr(facts.venue, name) == value, f"venue.{name}"
    assert set(VENUE_COLUMNS) == set(VENUE)


def _expected(facts: OfferingFacts, values: dict) -> OfferingFacts:
    """The facts as they must be: every distinct value put under its own name by hand."""
    venue = dataclasses.replace(facts.venue, **VENUE)
    return dataclasses.replace(facts, **values, venue=venue)


# What the rules quote of the first run's facts: each value belongs to one fact only.
QUOTES = {
    "caps.no_hard_cap": "hard cap: 5,300,000 ETH",
    "caps.no_refund_rule": "soft cap 1,100,000 ETH, but refund policy is 'none'",
    "code.closed": "code: checked, not public (repository recorded: https://code.example/repo)",
    "funds.use_undisclosed": "use of proceeds: not published",
    "issuer.offshore": "issuer jurisdiction: KY, an offshore financial centre",
    "issuer.unidentified": "issuer: Entity Quoted AG, KY, postal address given",
    "kyc.absent": "KYC: not required of buyers",
    "legal.security_unregistered": "regulatory filing: SEC Form D 021-777",
    "product.idea_only": "product stage: beta",
    "roadmap.missing": "roadmap: published",
    "team.anonymous": "team: no members recorded (team size stated as 13)",
    "tokens.public_share_low": "public sale: 9% of supply (under 20%)",
    "tokens.supply_unfixed": "supply: fixed at 91,000,000 tokens",
    "website.insecure": "website not served over HTTPS: http://site.example",
    "whitepaper.missing": "whitepaper: https://wp.example/paper.pdf",
    "whitepaper.thin": "whitepaper: 7 pages (fewer than 10)",
}


def test_each_rule_quotes_the_fact_it_reads():
    facts = _facts(BOOLEAN_RUNS[0])
    for code, evidence in QUOTES.items():
        assert RULES[code].check(facts).evidence == evidence, code


# A sale on a venue, priced in USD and ended below its soft cap: the venue and raise rules
# quote what the first scenario leaves out.
ON_VENUE = {
    "kind": "ieo",
    "token_type": "utility",
    "cap_currency": "USD",
    "refund_policy": "partial",
    "soft_cap": Decimal("1100000"),
    "raised_usd": Decimal("770000"),
}


@pytest.mark.parametrize(
    "overrides", [{}, ON_VENUE], ids=["security token", "exchange offering in USD"]
)
@pytest.mark.parametrize("booleans", BOOLEAN_RUNS, ids=["run 1", "run 2", "run 3"])
def test_every_rule_judges_the_facts_as_declared_by_name(booleans, overrides):
    values = {**DISTINCT, **booleans, **overrides}
    venue = VenueFactory(**VENUE)
    offering = OfferingFactory(**values, venue=venue, declared_status="")
    [facts] = facts_for(Offering.objects.filter(pk=offering.pk), today=TODAY)
    expected = _expected(facts, values)
    assert facts == expected
    for code, rule in RULES.items():
        assert rule.check(facts) == rule.check(expected), code


def test_the_venue_rules_quote_the_venue_facts():
    venue = VenueFactory(**VENUE)
    offering = OfferingFactory(**{**DISTINCT, **ON_VENUE}, venue=venue, declared_status="")
    [facts] = facts_for(Offering.objects.filter(pk=offering.pk), today=TODAY)
    evidence = RULES["venue.weak_exchange"].check(facts).evidence
    assert "Quoted Venue" in evidence
    missed = RULES["caps.missed_soft_cap"].check(facts).evidence
    assert "770,000" in missed and "1,100,000" in missed, missed
