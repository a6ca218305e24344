"""Venue: the exchange or launchpad that runs or lists the sale."""

from __future__ import annotations

import datetime as dt

from diligence.facts import OfferingFacts
from diligence.rules.base import flagged, not_applicable, passed, rule, unknown
from diligence.vocabulary import Severity

INCIDENT_YEARS = 3
SERIOUS_INCIDENTS = frozenset({"breach", "insolvency", "exit_scam"})


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _no_venue(facts: OfferingFacts):
    return unknown(f"{facts.kind.upper()} venue: not recorded")


@rule(
    code="venue.weak_exchange",
    title="Weak sale venue",
    category="venue",
    severity=Severity.HIGH,
    rationale=(
        "An exchange sale is only as good as the exchange's vetting: unlicensed venues, venues "
        "that skip KYC/AML and low-tier launchpads list projects for a fee, not on merit."
    ),
    source="IEO guide, disadvantage 1 and tip 3; exchange-risk article",
)
def venue_weak_exchange(facts: OfferingFacts):
    if not facts.on_venue:
        return not_applicable(f"{facts.kind.upper()}: not sold through a venue")
    venue = facts.venue
    if venue is None:
        return _no_venue(facts)
    weaknesses = []
    if venue.licensed is False:
        weaknesses.append("unlicensed")
    if venue.kyc_aml_enforced is False:
        weaknesses.append("no enforced KYC/AML")
    if venue.reputation_tier == "tier3":
        weaknesses.append("low reputation tier")
    if weaknesses:
        return flagged(f"{venue.name}: {', '.join(weaknesses)}")
    if None in (venue.licensed, venue.kyc_aml_enforced) or not venue.reputation_tier:
        return unknown(f"{venue.name}: licence, KYC/AML or reputation not recorded")
    return passed(f"{venue.name}: licensed, enforces KYC/AML, {venue.reputation_tier}")


@rule(
    code="venue.security_incidents",
    title="Venue had a security incident",
    category="venue",
    severity=Severity.MEDIUM,
    rationale=(
        "Funds held on a venue are lost with it: a recent breach or insolvency says its "
        "custody cannot be trusted with the sale's money."
    ),
    source="exchange-risk article, 'Security Risks' and 'Custodial Risk'",
)
def venue_security_incidents(facts: OfferingFacts):
    if not facts.on_venue:
        return not_applicable(f"{facts.kind.upper()}: not sold through a venue")
    venue = facts.venue
    if venue is None:
        return _no_venue(facts)
    since = _years_before(facts.today, INCIDENT_YEARS)
    recent = [i for i in venue.incidents if i.kind in SERIOUS_INCIDENTS and i.occurred_on >= since]
    if recent:
        latest = max(recent, key=lambda incident: incident.occurred_on)
        return flagged(f"{venue.name}: {latest.kind} on {latest.occurred_on}")
    return passed(f"{venue.name}: no breach or insolvency recorded since {since}")


@rule(
    code="venue.no_recognised_exchange",
    title="No recognised exchange behind an ICO",
    category="venue",
    severity=Severity.MEDIUM,
    rationale=(
        "An ICO with no listing on, or agreement with, a recognised exchange may leave buyers "
        "holding tokens they can never sell."
    ),
    source="ICO guide, FAQ Q8",
)
def venue_no_recognised_exchange(facts: OfferingFacts):
    if facts.kind != "ico":
        return not_applicable(f"{facts.kind.upper()}: the rule covers ICOs only")
    if facts.venue is not None:
        evidence = f"exchange: {facts.venue.name} ({facts.venue.reputation_tier or 'tier ?'})"
        if facts.venue.reputation_tier in ("tier1", "tier2"):
            return passed(evidence)
        if facts.venue.reputation_tier == "tier3":
            return flagged(evidence)
    if facts.market is not None and facts.market.listed:
        return passed("listed on an exchange")
    return unknown("no exchange agreement or listing recorded")
