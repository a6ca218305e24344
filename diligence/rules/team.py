"""Team and issuer: who is behind the sale, and can they be held to account."""

from __future__ import annotations

from diligence.facts import OfferingFacts
from diligence.rules.base import flagged, passed, rule, unknown
from diligence.vocabulary import Severity
from offerings.countries import OFFSHORE_CENTRES

SMALL_TEAM = 5


def _core(facts: OfferingFacts):
    return [member for member in facts.team if not member.advisor] or list(facts.team)


def _no_team(facts: OfferingFacts):
    """The verdict when the team is not recorded: unknown, whatever the stated size."""
    stated = f" (team size stated as {facts.team_size})" if facts.team_size else ""
    return unknown(f"team: no members recorded{stated}")


def _none_listed(facts: OfferingFacts) -> str:
    stated = f" (team size stated as {facts.team_size})" if facts.team_size else ""
    return f"team: checked, the sale lists no members{stated}"


@rule(
    code="team.anonymous",
    title="Anonymous team",
    category="team",
    severity=Severity.CRITICAL,
    rationale=(
        "People who will not put their names to a project cannot be checked, sued or held to "
        "their promises; anonymous teams are the commonest feature of exit scams."
    ),
    source="ICO guide, FAQ Q8 (anonymous team); a 2018 review of 1,450 ICO documents found "
    "at least 121 that named no staff",
)
def team_anonymous(facts: OfferingFacts):
    if facts.team is None:
        return _no_team(facts)
    if not facts.team:
        return flagged(_none_listed(facts))
    core = _core(facts)
    named = sum(member.named for member in core)
    evidence = f"team: {named} of {len(core)} members named"
    if named == 0 or named * 2 < len(core):
        return flagged(evidence)
    return passed(evidence)


@rule(
    code="team.inexperienced",
    title="No relevant experience in the team",
    category="team",
    severity=Severity.HIGH,
    rationale=(
        "Founders who have built and shipped similar things before are the best single "
        "predictor that a funded project delivers."
    ),
    source="ICO guide, 'Factors to consider'; Howell, Niessner & Yermack 2020",
)
def team_inexperienced(facts: OfferingFacts):
    if facts.team is None:
        return _no_team(facts)
    if not facts.team:
        return flagged(f"{_none_listed(facts)}, so none with known experience")
    core = _core(facts)
    experienced = sum(member.experienced is True for member in core)
    known = sum(member.experienced is not None for member in core)
    evidence = f"team: {experienced} of {len(core)} members with relevant experience"
    if experienced:
        return passed(evidence)
    if known == len(core):
        return flagged(evidence)
    return unknown(f"{evidence}; experience of {len(core) - known} not recorded")


@rule(
    code="team.advisors_unknown",
    title="No verifiable advisors",
    category="team",
    severity=Severity.LOW,
    rationale=(
        "Named advisors with public profiles lend their reputation to a sale; advisors who "
        "cannot be found are often listed without their knowledge."
    ),
    source="ICO guide, 'Conduct thorough research' (team and advisors)",
)
def team_advisors_unknown(facts: OfferingFacts):
    if facts.team is None:
        return _no_team(facts)
    if not facts.team:
        return flagged(f"{_none_listed(facts)}, advisors included")
    advisors = [member for member in facts.team if member.advisor]
    if not advisors:
        return flagged(f"advisors: none among {len(facts.team)} team members")
    verifiable = sum(member.named and member.has_profile for member in advisors)
    evidence = f"advisors: {verifiable} of {len(advisors)} named with a public profile"
    return passed(evidence) if verifiable else flagged(evidence)


@rule(
    code="issuer.unidentified",
    title="Issuer not identified",
    category="team",
    severity=Severity.HIGH,
    rationale=(
        "Without a legal entity, a jurisdiction and an address there is nobody to claim "
        "against and no court that would hear the claim."
    ),
    source="web3-investing article, 'Evaluate Team Credentials'; Zetzsche et al.: 70% of "
    "whitepapers gave no legal information",
)
def issuer_unidentified(facts: OfferingFacts):
    parts = {
        "legal entity": facts.legal_entity,
        "jurisdiction": facts.country,
        "postal address": facts.postal_address,
    }
    recorded = {label: value for label, value in parts.items() if value}
    if not recorded:
        return unknown("issuer: no legal entity, jurisdiction or postal address recorded")
    missing = [label for label in parts if label not in recorded]
    if missing:
        return flagged(f"issuer: {', '.join(recorded)} given, but no {' and no '.join(missing)}")
    return passed(f"issuer: {facts.legal_entity}, {facts.country}, postal address given")


@rule(
    code="issuer.offshore",
    title="Issuer in an offshore centre",
    category="team",
    severity=Severity.LOW,
    rationale=(
        "Offshore registration is legal, but it puts the issuer out of reach of the "
        "investors' own courts and regulators."
    ),
    source="ICO guide, 'ICO regulations'",
)
def issuer_offshore(facts: OfferingFacts):
    if not facts.country:
        return unknown("issuer jurisdiction: not recorded")
    if facts.country in OFFSHORE_CENTRES:
        return flagged(f"issuer jurisdiction: {facts.country}, an offshore financial centre")
    return passed(f"issuer jurisdiction: {facts.country}")


@rule(
    code="team.small",
    title="Very small team",
    category="team",
    severity=Severity.MEDIUM,
    rationale=(
        "Building, securing and marketing a token project takes more people than a handful; "
        "very small teams deliver less often and leave buyers exposed to one person's exit."
    ),
    source="Amsden & Schweizer 2018 and Howell et al. 2020 (team size predicts ICO success); "
    "TORD backtest, out of time: teams of five or more listed 1.3× as often",
)
def team_small(facts: OfferingFacts):
    if facts.team_size is not None:
        size, known = facts.team_size, f"team size stated as {facts.team_size}"
    elif facts.team is not None:  # () is "checked, none listed"
        size, known = len(facts.team), f"team: {len(facts.team)} members recorded"
    else:
        return unknown("team size: not recorded")
    if size < SMALL_TEAM:
        return flagged(f"{known} (fewer than {SMALL_TEAM})")
    return passed(known)
