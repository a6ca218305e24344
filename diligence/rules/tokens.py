"""Token economics: who holds the supply, when insiders can sell, and whether it can grow."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from django.conf import settings

from diligence.facts import OfferingFacts
from diligence.rules.base import amount, flagged, not_applicable, passed, rule, unknown
from diligence.vocabulary import Severity

INSIDER_LIMIT = Decimal(30)
MIN_TEAM_VESTING_MONTHS = 12
MIN_PUBLIC_SHARE = Decimal(20)
DISCLOSED_SHARE = Decimal(80)


def _covered(facts: OfferingFacts) -> Decimal:
    """The share of supply the allocation table accounts for (shares not known count 0)."""
    return sum((a.percent for a in facts.allocations if a.percent is not None), Decimal(0))


def _share(facts: OfferingFacts, *buckets: str) -> Decimal:
    return sum(
        (a.percent for a in facts.allocations if a.bucket in buckets and a.percent is not None),
        Decimal(0),
    )


def _unknown_shares(facts: OfferingFacts, *buckets: str) -> int:
    """How many allocations (of `buckets`, or of any bucket) have no known share."""
    return sum(
        a.percent is None and (not buckets or a.bucket in buckets) for a in facts.allocations
    )


_NO_TABLE = "allocation table: not recorded"
# A table checked and found missing is flagged once, by tokens.distribution_undisclosed; the
# rules that read inside the table do not apply to a table that does not exist.
_NO_TABLE_PUBLISHED = "no allocation table published (tokens.distribution_undisclosed)"


@rule(
    code="tokens.distribution_undisclosed",
    title="Token distribution not disclosed",
    category="tokens",
    severity=Severity.HIGH,
    rationale=(
        "Buyers need to know who else holds the supply; an allocation table that hides most "
        "of it usually hides a large insider stake."
    ),
    source="ICO guide, 'Factors to consider' (token economics and distribution)",
)
def tokens_distribution_undisclosed(facts: OfferingFacts):
    if facts.allocations is None:
        return unknown(_NO_TABLE)
    if not facts.allocations:
        return flagged("allocation table: checked, the sale publishes none")
    covered = _covered(facts)
    evidence = f"allocation table covers {amount(covered)}% of supply"
    if covered >= DISCLOSED_SHARE:
        return passed(evidence)
    missing = _unknown_shares(facts)
    if missing:
        return unknown(f"{evidence}; the share of {missing} allocations not recorded")
    return flagged(evidence)


@rule(
    code="tokens.insider_heavy",
    title="Insiders hold too much",
    category="tokens",
    severity=Severity.HIGH,
    rationale=(
        "When team and advisors keep more than about a third of the supply, they control "
        "governance and the price, and buyers fund their exit."
    ),
    source="ICO guide, 'Project Development' (how many tokens the team keeps)",
)
def tokens_insider_heavy(facts: OfferingFacts):
    if facts.allocations is None:
        return unknown(_NO_TABLE)
    if not facts.allocations:
        return not_applicable(_NO_TABLE_PUBLISHED)
    insiders = _share(facts, "team", "advisors")
    evidence = f"team and advisors hold {amount(insiders)}%"
    if insiders > INSIDER_LIMIT:
        return flagged(f"{evidence} (over {INSIDER_LIMIT}%)")
    missing = _unknown_shares(facts, "team", "advisors")
    if missing:
        return unknown(f"{evidence}, and {missing} insider allocations of unknown share")
    if not insiders and _covered(facts) < DISCLOSED_SHARE:
        return unknown("team and advisor shares not in the (partial) allocation table")
    return passed(evidence)


@rule(
    code="tokens.no_vesting",
    title="Team tokens unlock early",
    category="tokens",
    severity=Severity.HIGH,
    rationale=(
        "Vesting of a year or more ties the team's reward to the project's success; tokens "
        "that unlock at once let the team sell to the buyers it just raised from."
    ),
    source="Howell, Niessner & Yermack 2020 (vesting as credible commitment)",
)
def tokens_no_vesting(facts: OfferingFacts):
    if facts.allocations is None:
        return unknown("team allocation: not recorded")
    if not facts.allocations:
        return not_applicable(_NO_TABLE_PUBLISHED)
    team = [a for a in facts.allocations if a.bucket == "team"]
    if not team:
        if _covered(facts) >= DISCLOSED_SHARE:
            return not_applicable("no team allocation")
        return unknown("team allocation: not recorded")
    known = [a.vesting_months for a in team if a.vesting_months is not None]
    shortest = min(known, default=None)
    if shortest is not None and shortest < MIN_TEAM_VESTING_MONTHS:
        return flagged(_vesting(shortest))
    if len(known) < len(team):
        return unknown("team vesting: not recorded")
    return passed(_vesting(shortest))


def _vesting(months: int) -> str:
    return "team tokens: no vesting" if months == 0 else f"team tokens vest over {months} months"


@rule(
    code="tokens.public_share_low",
    title="Small public share",
    category="tokens",
    severity=Severity.LOW,
    rationale=(
        "When the public sale is a sliver of the supply, buyers pay for a token whose price "
        "is set by the much larger insider and early-investor holdings."
    ),
    source="ICO guide, fairness of distribution",
)
def tokens_public_share_low(facts: OfferingFacts):
    allocations = facts.allocations or ()
    public = [a for a in allocations if a.bucket == "public_sale"]
    share = (
        _share(facts, "public_sale")
        if public and all(a.percent is not None for a in public)
        else None
    )
    if share is None and facts.tokens_for_sale is not None and facts.total_supply:
        # Rounded down, so a share just under the limit never shows as (and passes at) 20%.
        share = (facts.tokens_for_sale / facts.total_supply * 100).quantize(
            Decimal("0.1"), ROUND_DOWN
        )
    if share is None:
        if facts.allocations == ():
            return not_applicable(f"public share: {_NO_TABLE_PUBLISHED}")
        return unknown("public share: not recorded")
    evidence = f"public sale: {amount(share)}% of supply"
    if share < MIN_PUBLIC_SHARE:
        return flagged(f"{evidence} (under {MIN_PUBLIC_SHARE}%)")
    return passed(evidence)


@rule(
    code="tokens.supply_unfixed",
    title="Supply can grow",
    category="tokens",
    severity=Severity.MEDIUM,
    rationale="A supply the issuer can enlarge at will can dilute every holder without limit.",
    source="ICO guide, token economics",
)
def tokens_supply_unfixed(facts: OfferingFacts):
    if facts.supply_fixed is None:
        return unknown("supply: not recorded as fixed or growing")
    if facts.supply_fixed:
        supply = f" at {amount(facts.total_supply)} tokens" if facts.total_supply else ""
        return passed(f"supply: fixed{supply}")
    return flagged("supply: can grow, no fixed maximum")


def unlock_thresholds() -> dict[str, str]:
    """The overhang rule's configured share and window, for the methodology fingerprint."""
    return {
        "unlock_overhang_percent": str(settings.UNLOCK_OVERHANG_PERCENT),
        "unlock_overhang_days": str(settings.UNLOCK_OVERHANG_DAYS),
    }


@rule(
    code="tokens.unlock_overhang",
    title="Large unlock coming",
    category="tokens",
    severity=Severity.MEDIUM,
    rationale=(
        "Team, investor and treasury tokens coming off lock-up add supply their holders often "
        "sell; a large unlock tends to push the price down, from weeks before it."
    ),
    source="IEO guide, 'Risk of pump and dump'; ICO guide, token economics and distribution",
)
def tokens_unlock_overhang(facts: OfferingFacts):
    unlocks = facts.unlocks
    if unlocks is None:
        return unknown("unlock schedule: not recorded")
    limit = settings.UNLOCK_OVERHANG_PERCENT
    # The quoted dates are the events' own, so the evidence changes when the events do, not daily.
    large = [
        u
        for u in unlocks.upcoming
        if u.percent_of_circulating is not None and u.percent_of_circulating > limit
    ]
    if large:
        largest = max(large, key=lambda u: (u.percent_of_circulating, -u.date.toordinal()))
        more = f" and {len(large) - 1} more" if len(large) > 1 else ""
        return flagged(
            f"{largest.bucket} {largest.kind} unlock on {largest.date.isoformat()}: "
            f"{amount(largest.percent_of_circulating)}% of circulating supply"
            f"{more} (over {amount(limit)}% within {unlocks.window_days} days)"
        )
    unsized = sorted({u.bucket for u in unlocks.upcoming if u.percent_of_supply is None})
    if unsized:
        return unknown(f"unlock share unknown for {', '.join(unsized)} within the window")
    if unlocks.fully_unlocked_on is not None:
        return passed(f"every scheduled allocation unlocked by {unlocks.fully_unlocked_on}")
    return passed(
        f"no unlock over {amount(limit)}% of circulating supply within {unlocks.window_days} days"
    )
