"""Sale-terms rules: caps, refunds, buyer checks, early discounts and securities law."""

from __future__ import annotations

import datetime as dt

import pytest

from diligence.vocabulary import Outcome
from tests.diligence.factories import D, check, make_facts, sale_round, venue

# caps.no_hard_cap


def test_no_hard_cap_passes_a_stated_maximum_in_its_currency():
    result = check("caps.no_hard_cap", make_facts())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "hard cap: 5,000,000 USD"


def test_no_hard_cap_shows_a_missing_currency():
    result = check("caps.no_hard_cap", make_facts(cap_currency=""))

    assert result.evidence == "hard cap: 5,000,000 (currency?)"


def test_no_hard_cap_flags_a_hard_cap_of_zero_meaning_none():
    result = check("caps.no_hard_cap", make_facts(hard_cap=D(0)))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "hard cap: the sale states none"


def test_no_hard_cap_is_unknown_when_not_recorded():
    result = check("caps.no_hard_cap", make_facts(hard_cap=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "hard cap: not recorded"


# caps.no_refund_rule


@pytest.mark.parametrize("policy", ["full", "partial"])
def test_no_refund_rule_passes_a_soft_cap_with_a_refund(policy):
    result = check("caps.no_refund_rule", make_facts(refund_policy=policy))

    assert result.outcome == Outcome.PASS
    assert result.evidence == f"soft cap 1,000,000 USD with a {policy} refund"


def test_no_refund_rule_flags_a_soft_cap_of_zero_meaning_none():
    result = check("caps.no_refund_rule", make_facts(soft_cap=D(0)))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "soft cap: the sale states none, so any amount raised is kept"


@pytest.mark.parametrize("policy", ["none", "unspecified"])
def test_no_refund_rule_flags_a_soft_cap_without_a_refund(policy):
    result = check("caps.no_refund_rule", make_facts(refund_policy=policy))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == f"soft cap 1,000,000 USD, but refund policy is '{policy}'"


def test_no_refund_rule_is_unknown_without_a_soft_cap():
    result = check("caps.no_refund_rule", make_facts(soft_cap=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "soft cap: not recorded"


def test_no_refund_rule_is_unknown_without_a_refund_policy():
    result = check("caps.no_refund_rule", make_facts(refund_policy=""))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "soft cap 1,000,000 USD; refund policy not recorded"


# caps.inconsistent


def test_inconsistent_passes_when_every_cross_check_agrees():
    result = check("caps.inconsistent", make_facts())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "4 cross-checks of caps, supply and dates agree"


def test_inconsistent_accepts_figures_that_are_exactly_equal():
    facts = make_facts(soft_cap=D(5_000_000), raised_usd=D(5_000_000), tokens_for_sale=D(10**8))

    assert check("caps.inconsistent", facts).outcome == Outcome.PASS


@pytest.mark.parametrize(
    ("overrides", "evidence"),
    [
        ({"soft_cap": D(6_000_000)}, "soft cap 6,000,000 above hard cap 5,000,000"),
        ({"raised_usd": D(5_000_001)}, "raised 5,000,001 USD above hard cap 5,000,000"),
        (
            {"tokens_for_sale": D(120_000_000)},
            "120,000,000 tokens for sale of a supply of 100,000,000",
        ),
        ({"end_date": dt.date(2026, 2, 1)}, "ends 2026-02-01, before it starts 2026-03-01"),
    ],
)
def test_inconsistent_flags_each_contradiction(overrides, evidence):
    result = check("caps.inconsistent", make_facts(**overrides))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == evidence


def test_inconsistent_lists_every_contradiction():
    facts = make_facts(soft_cap=D(6_000_000), end_date=dt.date(2026, 2, 1))

    result = check("caps.inconsistent", facts)

    assert result.evidence == (
        "soft cap 6,000,000 above hard cap 5,000,000; ends 2026-02-01, before it starts 2026-03-01"
    )


def test_inconsistent_does_not_compare_a_usd_raise_with_a_cap_in_another_currency():
    facts = make_facts(cap_currency="ETH", hard_cap=D(2_000), soft_cap=D(500))

    result = check("caps.inconsistent", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == "3 cross-checks of caps, supply and dates agree"


def test_inconsistent_is_unknown_with_too_few_figures():
    facts = make_facts(
        soft_cap=D(0), hard_cap=None, raised_usd=None, total_supply=None, start_date=None
    )

    result = check("caps.inconsistent", facts)

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "too few figures recorded to cross-check"


# caps.missed_soft_cap

MISSED = {"raised_usd": D(500_000), "refund_policy": "none"}


def test_missed_soft_cap_passes_a_sale_that_reached_its_soft_cap():
    result = check("caps.missed_soft_cap", make_facts())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "raised 3,000,000 USD of a 1,000,000 soft cap"


def test_missed_soft_cap_passes_a_raise_exactly_at_the_soft_cap():
    result = check("caps.missed_soft_cap", make_facts(raised_usd=D(1_000_000)))

    assert result.outcome == Outcome.PASS


@pytest.mark.parametrize("policy", ["full", "partial"])
def test_missed_soft_cap_passes_a_miss_with_a_refund(policy):
    result = check("caps.missed_soft_cap", make_facts(**MISSED | {"refund_policy": policy}))

    assert result.outcome == Outcome.PASS
    assert result.evidence == (
        f"raised 500,000 USD of a 1,000,000 soft cap; {policy} refund promised"
    )


@pytest.mark.parametrize(
    ("policy", "shown"), [("none", "none"), ("unspecified", "unspecified"), ("", "not recorded")]
)
def test_missed_soft_cap_flags_a_miss_without_a_refund(policy, shown):
    result = check("caps.missed_soft_cap", make_facts(**MISSED | {"refund_policy": policy}))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == (
        f"raised 500,000 USD of a 1,000,000 soft cap; refund policy: {shown}"
    )


@pytest.mark.parametrize(("status", "shown"), [("active", "active"), (None, "unknown")])
def test_missed_soft_cap_does_not_apply_before_the_sale_ends(status, shown):
    result = check("caps.missed_soft_cap", make_facts(**MISSED | {"status": status}))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == f"sale status: {shown}"


def test_missed_soft_cap_does_not_apply_without_a_soft_cap():
    result = check("caps.missed_soft_cap", make_facts(**MISSED | {"soft_cap": D(0)}))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == "no soft cap to miss"


@pytest.mark.parametrize("missing", ["soft_cap", "raised_usd"])
def test_missed_soft_cap_is_unknown_without_the_figures(missing):
    result = check("caps.missed_soft_cap", make_facts(**MISSED | {missing: None}))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "soft cap or amount raised not recorded"


def test_missed_soft_cap_is_unknown_when_the_soft_cap_is_in_another_currency():
    result = check("caps.missed_soft_cap", make_facts(**MISSED | {"cap_currency": "ETH"}))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "soft cap is in ETH, the amount raised in USD"


# kyc.absent


def test_kyc_absent_passes_a_sale_that_checks_its_buyers():
    result = check("kyc.absent", make_facts(kyc="required"))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "KYC: required of buyers"


def test_kyc_absent_passes_an_exchange_sale_on_a_venue_that_enforces_kyc():
    facts = make_facts(kind="ieo", kyc="", venue=venue("Bitvavo"))

    result = check("kyc.absent", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == "KYC: enforced by Bitvavo"


def test_kyc_absent_does_not_credit_a_self_hosted_ico_with_its_exchange_checks():
    facts = make_facts(kind="ico", kyc="not_required", venue=venue("Bitvavo"))

    assert check("kyc.absent", facts).outcome == Outcome.FLAG


@pytest.mark.parametrize(
    ("kyc", "evidence"),
    [
        ("not_required", "KYC: not required of buyers"),
        ("unspecified", "KYC: the sale does not say that buyers are checked"),
    ],
)
def test_kyc_absent_flags_a_sale_without_buyer_checks(kyc, evidence):
    result = check("kyc.absent", make_facts(kyc=kyc))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == evidence


def test_kyc_absent_is_unknown_when_not_recorded():
    result = check("kyc.absent", make_facts(kind="ido", kyc="", venue=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "KYC: not recorded"


# bonus.steep


def rounds(*early, public_price="0.10"):
    return {"rounds": (*early, sale_round("public", price_usd=public_price))}


@pytest.mark.parametrize(
    ("discount", "outcome"),
    [("20", Outcome.PASS), ("30", Outcome.PASS), ("30.5", Outcome.FLAG), ("60", Outcome.FLAG)],
)
def test_bonus_steep_flags_a_recorded_discount_above_thirty_percent(discount, outcome):
    facts = make_facts(**rounds(sale_round("presale", discount_percent=discount)))

    result = check("bonus.steep", facts)

    assert result.outcome == outcome
    assert result.evidence == f"presale round at {discount}% below the public price"


@pytest.mark.parametrize(
    ("price", "outcome", "shown"),
    [
        ("0.07", Outcome.PASS, "30"),
        ("0.0696", Outcome.FLAG, "30.4"),
        ("0.06999", Outcome.FLAG, "30.1"),
        ("0.065", Outcome.FLAG, "35"),
    ],
)
def test_bonus_steep_derives_the_discount_from_the_round_price(price, outcome, shown):
    facts = make_facts(**rounds(sale_round("seed", price_usd=price)))

    result = check("bonus.steep", facts)

    assert result.outcome == outcome
    assert result.evidence == f"seed round at {shown}% below the public price"


def test_bonus_steep_quotes_the_steepest_early_round():
    early = (
        sale_round("private", discount_percent=10),
        sale_round("seed", discount_percent=45),
        sale_round("presale", discount_percent=25),
    )

    result = check("bonus.steep", make_facts(**rounds(*early)))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "seed round at 45% below the public price"


def test_bonus_steep_ignores_the_public_round():
    facts = make_facts(
        rounds=(
            sale_round("presale", discount_percent=15),
            sale_round("public", discount_percent=50),
        )
    )

    assert check("bonus.steep", facts).outcome == Outcome.PASS


@pytest.mark.parametrize(
    "overrides",
    [
        {"rounds": None},
        rounds(),
        rounds(sale_round("presale")),
        {"rounds": (sale_round("presale", price_usd="0.05"),), "token_price_usd": None},
    ],
    ids=["rounds not recorded", "public round only", "no price or discount", "no public price"],
)
def test_bonus_steep_is_unknown_without_an_early_round_discount(overrides):
    result = check("bonus.steep", make_facts(**overrides))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "no early-round discount recorded"


def test_bonus_steep_passes_rounds_checked_and_none_exist():
    result = check("bonus.steep", make_facts(rounds=()))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "sale rounds: checked, no presale or private round"


# legal.security_unregistered


@pytest.mark.parametrize(
    ("kind", "token_type", "evidence"),
    [("ico", "utility", "ICO of a utility token"), ("ieo", "", "IEO of a non-security token")],
)
def test_security_unregistered_does_not_apply_to_non_security_tokens(kind, token_type, evidence):
    result = check("legal.security_unregistered", make_facts(kind=kind, token_type=token_type))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == evidence


@pytest.mark.parametrize(("kind", "token_type"), [("sto", "utility"), ("ico", "security")])
def test_security_unregistered_flags_a_security_without_a_filing(kind, token_type):
    facts = make_facts(kind=kind, token_type=token_type, regulatory_filing="")

    result = check("legal.security_unregistered", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "security token with no regulatory filing recorded"


def test_security_unregistered_passes_a_security_with_a_filing():
    facts = make_facts(kind="sto", token_type="security", regulatory_filing="SEC Form D 0001234")

    result = check("legal.security_unregistered", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == "regulatory filing: SEC Form D 0001234"
