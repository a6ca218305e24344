"""The rules methodology 2.0 added for their out-of-time lift: undersubscribed sales, purchase
bonuses and very small teams."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from tests.diligence.factories import check, make_facts, member


@pytest.mark.parametrize(
    ("facts", "outcome", "evidence"),
    [
        (dict(), "pass", "raised 3,000,000 USD of a 5,000,000 USD hard cap"),
        (
            dict(raised_usd=D(900_000)),
            "flag",
            "raised 900,000 USD, below its 1,000,000 USD soft cap",
        ),
        (
            dict(soft_cap=D(0), raised_usd=D(900_000)),
            "flag",
            "raised 900,000 USD, under a fifth of its 5,000,000 USD hard cap",
        ),
        (
            dict(soft_cap=None, hard_cap=None, raised_usd=D(400_000)),
            "flag",
            "raised 400,000 USD, under 500,000 USD (no cap in USD to compare)",
        ),
        (dict(soft_cap=None, hard_cap=None, raised_usd=D(600_000)), "pass", "raised 600,000 USD"),
        (
            dict(cap_currency="ETH", raised_usd=D(100)),
            "flag",
            "raised 100 USD, under 500,000 USD (no cap in USD to compare)",
        ),
        (dict(raised_usd=None), "unknown", "amount raised: not recorded"),
        (dict(status="active"), "not_applicable", "sale status: active"),
    ],
)
def test_sale_undersubscribed(facts, outcome, evidence):
    assert check("sale.undersubscribed", make_facts(**facts)) == (outcome, evidence)


@pytest.mark.parametrize(
    ("bonus", "outcome", "evidence"),
    [
        (True, "flag", "the sale offers purchase bonuses"),
        (False, "pass", "no purchase bonuses"),
        (None, "unknown", "purchase bonuses: not recorded"),
    ],
)
def test_sale_bonus_scheme(bonus, outcome, evidence):
    assert check("sale.bonus_scheme", make_facts(bonus=bonus)) == (outcome, evidence)


@pytest.mark.parametrize(
    ("facts", "outcome", "evidence"),
    [
        (dict(team_size=5), "pass", "team size stated as 5"),
        (dict(team_size=4), "flag", "team size stated as 4 (fewer than 5)"),
        (
            dict(team_size=None, team=(member(),) * 3),
            "flag",
            "team: 3 members recorded (fewer than 5)",
        ),
        (dict(team_size=None, team=(member(),) * 6), "pass", "team: 6 members recorded"),
        (dict(team_size=None, team=()), "flag", "team: 0 members recorded (fewer than 5)"),
        (dict(team_size=None, team=None), "unknown", "team size: not recorded"),
    ],
)
def test_team_small(facts, outcome, evidence):
    assert check("team.small", make_facts(**facts)) == (outcome, evidence)
