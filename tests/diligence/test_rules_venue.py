"""Venue rules: the exchange or launchpad behind a sale."""

from __future__ import annotations

import datetime as dt

import pytest

from diligence.vocabulary import Outcome
from tests.diligence.factories import TODAY, check, incident, make_facts, market, venue

VENUE_RULES = ("venue.weak_exchange", "venue.security_incidents")


def on_venue(kind="ieo", today=TODAY, **venue_facts):
    return make_facts(kind=kind, today=today, venue=venue("Launchly", **venue_facts))


# venue.weak_exchange and venue.security_incidents: sales run on an exchange (IEO, IDO)


@pytest.mark.parametrize("code", VENUE_RULES)
@pytest.mark.parametrize("kind", ["ico", "sto"])
def test_venue_rules_do_not_apply_to_sales_without_a_venue(code, kind):
    result = check(code, make_facts(kind=kind, venue=venue()))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == f"{kind.upper()}: not sold through a venue"


@pytest.mark.parametrize("code", VENUE_RULES)
@pytest.mark.parametrize("kind", ["ieo", "ido"])
def test_venue_rules_are_unknown_when_the_venue_is_not_recorded(code, kind):
    result = check(code, make_facts(kind=kind, venue=None))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == f"{kind.upper()} venue: not recorded"


def test_weak_exchange_passes_a_licensed_top_tier_venue_enforcing_kyc():
    result = check("venue.weak_exchange", on_venue(reputation_tier="tier2"))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "Launchly: licensed, enforces KYC/AML, tier2"


@pytest.mark.parametrize(
    ("venue_facts", "evidence"),
    [
        ({"licensed": False}, "Launchly: unlicensed"),
        ({"kyc_aml_enforced": False}, "Launchly: no enforced KYC/AML"),
        ({"reputation_tier": "tier3"}, "Launchly: low reputation tier"),
        (
            {"licensed": False, "kyc_aml_enforced": False, "reputation_tier": "tier3"},
            "Launchly: unlicensed, no enforced KYC/AML, low reputation tier",
        ),
        (
            {"licensed": None, "kyc_aml_enforced": None, "reputation_tier": "tier3"},
            "Launchly: low reputation tier",
        ),
    ],
)
def test_weak_exchange_flags_each_known_weakness(venue_facts, evidence):
    result = check("venue.weak_exchange", on_venue("ido", **venue_facts))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == evidence


@pytest.mark.parametrize(
    "venue_facts", [{"licensed": None}, {"kyc_aml_enforced": None}, {"reputation_tier": ""}]
)
def test_weak_exchange_is_unknown_while_any_check_is_unrecorded(venue_facts):
    result = check("venue.weak_exchange", on_venue(**venue_facts))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "Launchly: licence, KYC/AML or reputation not recorded"


# venue.security_incidents


def test_security_incidents_passes_a_venue_without_incidents_and_names_the_window():
    result = check("venue.security_incidents", on_venue())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "Launchly: no breach or insolvency recorded since 2023-06-01"


@pytest.mark.parametrize("kind", ["breach", "insolvency", "exit_scam"])
def test_security_incidents_flags_a_serious_incident_in_the_last_three_years(kind):
    facts = on_venue(incidents=(incident(dt.date(2025, 1, 15), kind),))

    result = check("venue.security_incidents", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == f"Launchly: {kind} on 2025-01-15"


@pytest.mark.parametrize(
    ("occurred_on", "outcome"),
    [(dt.date(2023, 6, 1), Outcome.FLAG), (dt.date(2023, 5, 31), Outcome.PASS)],
)
def test_security_incidents_window_starts_exactly_three_years_ago(occurred_on, outcome):
    facts = on_venue(incidents=(incident(occurred_on),))

    assert check("venue.security_incidents", facts).outcome == outcome


@pytest.mark.parametrize(
    ("occurred_on", "outcome"),
    [(dt.date(2025, 2, 28), Outcome.FLAG), (dt.date(2025, 2, 27), Outcome.PASS)],
)
def test_security_incidents_window_from_a_leap_day_starts_on_28_february(occurred_on, outcome):
    facts = on_venue(today=dt.date(2028, 2, 29), incidents=(incident(occurred_on),))

    assert check("venue.security_incidents", facts).outcome == outcome


@pytest.mark.parametrize("kind", ["outage", "regulatory"])
def test_security_incidents_ignores_incidents_that_put_no_funds_at_risk(kind):
    facts = on_venue(incidents=(incident(TODAY - dt.timedelta(days=30), kind),))

    assert check("venue.security_incidents", facts).outcome == Outcome.PASS


def test_security_incidents_quotes_the_latest_serious_incident():
    incidents = (
        incident(dt.date(2020, 1, 1), "breach"),
        incident(dt.date(2024, 3, 2), "insolvency"),
        incident(dt.date(2024, 9, 9), "breach"),
        incident(dt.date(2026, 1, 1), "outage"),
    )

    result = check("venue.security_incidents", on_venue(incidents=incidents))

    assert result.evidence == "Launchly: breach on 2024-09-09"


# venue.no_recognised_exchange: self-hosted ICOs


@pytest.mark.parametrize("kind", ["ieo", "ido", "sto"])
def test_no_recognised_exchange_applies_to_icos_only(kind):
    result = check("venue.no_recognised_exchange", make_facts(kind=kind))

    assert result.outcome == Outcome.NOT_APPLICABLE
    assert result.evidence == f"{kind.upper()}: the rule covers ICOs only"


@pytest.mark.parametrize("tier", ["tier1", "tier2"])
def test_no_recognised_exchange_passes_an_ico_with_a_recognised_exchange(tier):
    facts = make_facts(venue=venue("Kraken", reputation_tier=tier), market=None)

    result = check("venue.no_recognised_exchange", facts)

    assert result.outcome == Outcome.PASS
    assert result.evidence == f"exchange: Kraken ({tier})"


def test_no_recognised_exchange_flags_an_ico_whose_exchange_has_a_low_reputation():
    facts = make_facts(venue=venue("ShadyEx", reputation_tier="tier3"), market=market())

    result = check("venue.no_recognised_exchange", facts)

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "exchange: ShadyEx (tier3)"


def test_no_recognised_exchange_passes_a_listed_ico():
    result = check("venue.no_recognised_exchange", make_facts(venue=venue(reputation_tier="")))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "listed on an exchange"


@pytest.mark.parametrize(
    "overrides",
    [
        {"venue": None, "market": None},
        {"venue": None, "market": market(listed=False)},
        {"venue": venue(reputation_tier=""), "market": market(listed=None)},
    ],
    ids=["nothing recorded", "not listed", "venue of unknown tier"],
)
def test_no_recognised_exchange_is_unknown_without_an_agreement_or_listing(overrides):
    result = check("venue.no_recognised_exchange", make_facts(**overrides))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "no exchange agreement or listing recorded"
