"""Token-economics rules: the allocation table, insider shares, vesting and supply."""

from __future__ import annotations

import datetime as dt

import pytest

from diligence.vocabulary import Outcome
from tests.diligence.factories import (
    TODAY,
    D,
    allocation,
    check,
    make_facts,
    unlocks,
    upcoming,
)

# The baseline's non-insider buckets: 80% of supply.
OUTSIDERS = (
    allocation("presale", 10),
    allocation("public_sale", 40),
    allocation("treasury", 20),
    allocation("ecosystem", 10),
)


def table(*allocations):
    return {"allocations": tuple(allocations)}


# tokens.distribution_undisclosed


@pytest.mark.parametrize(
    ("allocations", "outcome", "evidence"),
    [
        ((allocation("public_sale", 60), allocation("team", 40)), Outcome.PASS, "100"),
        ((allocation("public_sale", 60), allocation("team", 20)), Outcome.PASS, "80"),
        ((allocation("public_sale", "59.5"), allocation("team", 20)), Outcome.FLAG, "79.5"),
        ((allocation("public_sale", 30),), Outcome.FLAG, "30"),
    ],
)
def test_distribution_undisclosed_flags_a_table_covering_less_than_80_percent(
    allocations, outcome, evidence
):
    result = check("tokens.distribution_undisclosed", make_facts(**table(*allocations)))

    assert result.outcome == outcome
    assert result.evidence == f"allocation table covers {evidence}% of supply"


def test_distribution_undisclosed_is_unknown_when_the_allocation_table_is_not_recorded():
    result = check("tokens.distribution_undisclosed", make_facts(allocations=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "allocation table: not recorded"


def test_distribution_undisclosed_flags_an_allocation_table_checked_and_none_published():
    result = check("tokens.distribution_undisclosed", make_facts(allocations=()))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "allocation table: checked, the sale publishes none"


def test_distribution_undisclosed_is_unknown_when_shares_missing_could_reach_80_percent():
    facts = make_facts(**table(allocation("public_sale", 40), allocation("team", None, 24)))

    result = check("tokens.distribution_undisclosed", facts)

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == (
        "allocation table covers 40% of supply; the share of 1 allocations not recorded"
    )


def test_distribution_undisclosed_counts_the_known_shares_when_they_reach_80_percent():
    facts = make_facts(**table(allocation("public_sale", 80), allocation("team", None, 24)))

    result = check("tokens.distribution_undisclosed", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == "allocation table covers 80% of supply"


# tokens.insider_heavy


def test_insider_heavy_passes_a_modest_insider_share():
    result = check("tokens.insider_heavy", make_facts())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "team and advisors hold 20%"


def test_insider_heavy_passes_exactly_thirty_percent():
    facts = make_facts(**table(allocation("team", 25), allocation("advisors", 5), *OUTSIDERS))

    result = check("tokens.insider_heavy", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == "team and advisors hold 30%"


def test_insider_heavy_flags_team_and_advisors_above_thirty_percent():
    facts = make_facts(**table(allocation("team", 25), allocation("advisors", "5.01"), *OUTSIDERS))

    result = check("tokens.insider_heavy", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "team and advisors hold 30.01% (over 30%)"


def test_insider_heavy_passes_a_complete_table_without_insiders():
    facts = make_facts(**table(allocation("public_sale", 70), allocation("treasury", 30)))

    result = check("tokens.insider_heavy", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == "team and advisors hold 0%"


def test_insider_heavy_is_unknown_when_a_partial_table_leaves_insiders_out():
    facts = make_facts(**table(allocation("public_sale", 40), allocation("treasury", 20)))

    result = check("tokens.insider_heavy", facts)

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "team and advisor shares not in the (partial) allocation table"


def test_insider_heavy_is_unknown_when_the_allocation_table_is_not_recorded():
    result = check("tokens.insider_heavy", make_facts(allocations=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "allocation table: not recorded"


def test_insider_heavy_does_not_apply_to_an_allocation_table_checked_and_none_published():
    result = check("tokens.insider_heavy", make_facts(allocations=()))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == "no allocation table published (tokens.distribution_undisclosed)"


def test_insider_heavy_is_unknown_while_an_insider_share_is_not_known():
    facts = make_facts(**table(allocation("team", 10), allocation("advisors", None), *OUTSIDERS))

    result = check("tokens.insider_heavy", facts)

    assert result.outcome == Outcome.UNKNOWN
    assert (
        result.evidence == "team and advisors hold 10%, and 1 insider allocations of unknown share"
    )


def test_insider_heavy_flags_known_insider_shares_over_the_limit_beside_unknown_ones():
    facts = make_facts(**table(allocation("team", 35), allocation("advisors", None)))

    result = check("tokens.insider_heavy", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "team and advisors hold 35% (over 30%)"


# tokens.no_vesting


@pytest.mark.parametrize(
    ("months", "outcome", "evidence"),
    [
        (24, Outcome.PASS, "team tokens vest over 24 months"),
        (12, Outcome.PASS, "team tokens vest over 12 months"),
        (11, Outcome.FLAG, "team tokens vest over 11 months"),
        (0, Outcome.FLAG, "team tokens: no vesting"),
    ],
)
def test_no_vesting_flags_team_tokens_vesting_in_under_twelve_months(months, outcome, evidence):
    facts = make_facts(**table(allocation("team", 20, vesting_months=months), *OUTSIDERS))

    result = check("tokens.no_vesting", facts)

    assert result.outcome == outcome
    assert result.evidence == evidence


def test_no_vesting_judges_by_the_shortest_team_tranche():
    tranches = (allocation("team", 10, vesting_months=36), allocation("team", 10, vesting_months=6))

    result = check("tokens.no_vesting", make_facts(**table(*tranches, *OUTSIDERS)))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "team tokens vest over 6 months"


def test_no_vesting_flags_a_known_unvested_tranche_beside_an_unrecorded_one():
    tranches = (allocation("team", 10, vesting_months=0), allocation("team", 10))

    result = check("tokens.no_vesting", make_facts(**table(*tranches, *OUTSIDERS)))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "team tokens: no vesting"


def test_no_vesting_is_unknown_while_a_long_vesting_could_hide_an_unrecorded_tranche():
    tranches = (allocation("team", 10, vesting_months=24), allocation("team", 10))

    result = check("tokens.no_vesting", make_facts(**table(*tranches, *OUTSIDERS)))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "team vesting: not recorded"


@pytest.mark.parametrize(
    "allocations",
    [None, (allocation("public_sale", 40), allocation("treasury", 20))],
    ids=["table not recorded", "partial table"],
)
def test_no_vesting_is_unknown_without_a_team_allocation_in_an_incomplete_table(allocations):
    result = check("tokens.no_vesting", make_facts(allocations=allocations))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "team allocation: not recorded"


def test_no_vesting_does_not_apply_to_an_allocation_table_checked_and_none_published():
    result = check("tokens.no_vesting", make_facts(allocations=()))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == "no allocation table published (tokens.distribution_undisclosed)"


@pytest.mark.parametrize(
    ("months", "outcome"), [(6, Outcome.FLAG), (24, Outcome.PASS)], ids=["short", "long"]
)
def test_no_vesting_uses_a_team_allocation_whose_share_is_not_known(months, outcome):
    facts = make_facts(**table(allocation("team", None, vesting_months=months), *OUTSIDERS))

    result = check("tokens.no_vesting", facts)

    assert result.outcome == outcome
    assert result.evidence == f"team tokens vest over {months} months"


def test_no_vesting_does_not_apply_when_a_complete_table_gives_the_team_nothing():
    facts = make_facts(**table(allocation("advisors", 20, vesting_months=0), *OUTSIDERS))

    result = check("tokens.no_vesting", facts)

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == "no team allocation"


# tokens.public_share_low


@pytest.mark.parametrize(
    ("percent", "outcome", "evidence"),
    [
        ("40", Outcome.PASS, "public sale: 40% of supply"),
        ("20", Outcome.PASS, "public sale: 20% of supply"),
        ("19.9", Outcome.FLAG, "public sale: 19.9% of supply (under 20%)"),
    ],
)
def test_public_share_low_reads_the_public_sale_bucket(percent, outcome, evidence):
    facts = make_facts(**table(allocation("public_sale", percent), allocation("treasury", 60)))

    result = check("tokens.public_share_low", facts)

    assert result.outcome == outcome
    assert result.evidence == evidence


@pytest.mark.parametrize(
    ("tokens_for_sale", "outcome", "evidence"),
    [
        (20_000_000, Outcome.PASS, "public sale: 20% of supply"),
        (19_960_000, Outcome.FLAG, "public sale: 19.9% of supply (under 20%)"),
        (15_000_000, Outcome.FLAG, "public sale: 15% of supply (under 20%)"),
    ],
)
def test_public_share_low_falls_back_to_tokens_for_sale_of_the_supply(
    tokens_for_sale, outcome, evidence
):
    facts = make_facts(allocations=(), tokens_for_sale=D(tokens_for_sale))

    result = check("tokens.public_share_low", facts)

    assert result.outcome == outcome
    assert result.evidence == evidence


@pytest.mark.parametrize(
    "overrides",
    [
        {"allocations": None, "tokens_for_sale": None},
        {"allocations": None, "total_supply": None},
        table(allocation("team", 20), allocation("treasury", 80)) | {"tokens_for_sale": None},
        table(allocation("public_sale", None), *OUTSIDERS[:1]) | {"tokens_for_sale": None},
    ],
    ids=["no tokens for sale", "no supply", "no public bucket", "public share not known"],
)
def test_public_share_low_is_unknown_without_a_public_share(overrides):
    result = check("tokens.public_share_low", make_facts(**overrides))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "public share: not recorded"


def test_public_share_low_does_not_apply_without_a_published_table_or_sale_figures():
    facts = make_facts(allocations=(), tokens_for_sale=None)

    result = check("tokens.public_share_low", facts)

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == (
        "public share: no allocation table published (tokens.distribution_undisclosed)"
    )


def test_public_share_low_falls_back_to_the_sale_figures_when_no_table_is_published():
    facts = make_facts(allocations=(), tokens_for_sale=D(10), total_supply=D(100))

    result = check("tokens.public_share_low", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "public sale: 10% of supply (under 20%)"


# tokens.supply_unfixed


def test_supply_unfixed_passes_a_fixed_supply_and_quotes_it():
    result = check("tokens.supply_unfixed", make_facts())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "supply: fixed at 100,000,000 tokens"


def test_supply_unfixed_passes_a_fixed_supply_of_unknown_size():
    result = check("tokens.supply_unfixed", make_facts(total_supply=None))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "supply: fixed"


def test_supply_unfixed_flags_a_supply_that_can_grow():
    result = check("tokens.supply_unfixed", make_facts(supply_fixed=False))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "supply: can grow, no fixed maximum"


def test_supply_unfixed_is_unknown_when_not_recorded():
    result = check("tokens.supply_unfixed", make_facts(supply_fixed=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "supply: not recorded as fixed or growing"


# tokens.unlock_overhang


def test_an_unlock_over_the_share_of_circulating_supply_within_the_window_is_flagged():
    cliff = upcoming(TODAY + dt.timedelta(days=45), of_circulating="12.5", kind="cliff")
    small = upcoming(TODAY + dt.timedelta(days=10), "presale", of_circulating="5.5")
    outcome, evidence = check("tokens.unlock_overhang", make_facts(unlocks=unlocks(small, cliff)))
    assert outcome == Outcome.FLAG
    # The largest event is quoted, by its own date, so the evidence does not change every day.
    assert evidence == (
        "team cliff unlock on 2026-07-16: 12.5% of circulating supply and 1 more "
        "(over 5% within 90 days)"
    )


def test_an_unlock_at_the_threshold_passes():
    event = upcoming(TODAY + dt.timedelta(days=5), of_circulating="5")
    outcome, evidence = check("tokens.unlock_overhang", make_facts(unlocks=unlocks(event)))
    assert (outcome, evidence) == (
        Outcome.PASS,
        "no unlock over 5% of circulating supply within 90 days",
    )


def test_the_threshold_is_a_setting(settings):
    settings.UNLOCK_OVERHANG_PERCENT = D(1)
    outcome, _ = check("tokens.unlock_overhang", make_facts())  # the baseline's 2% tranche
    assert outcome == Outcome.FLAG


def test_without_a_schedule_the_overhang_is_unknown():
    outcome, evidence = check("tokens.unlock_overhang", make_facts(unlocks=None))
    assert (outcome, evidence) == (Outcome.UNKNOWN, "unlock schedule: not recorded")


def test_an_unlock_of_unknown_share_in_the_window_leaves_the_overhang_unknown():
    event = upcoming(TODAY + dt.timedelta(days=5), "advisors", of_circulating=None, of_supply=None)
    outcome, evidence = check("tokens.unlock_overhang", make_facts(unlocks=unlocks(event)))
    assert outcome == Outcome.UNKNOWN
    assert evidence == "unlock share unknown for advisors within the window"


def test_a_fully_unlocked_supply_passes_saying_since_when():
    facts = make_facts(unlocks=unlocks(fully_unlocked_on=dt.date(2025, 12, 31)))
    outcome, evidence = check("tokens.unlock_overhang", facts)
    assert (outcome, evidence) == (
        Outcome.PASS,
        "every scheduled allocation unlocked by 2025-12-31",
    )
