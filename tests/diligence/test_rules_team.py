"""Team and issuer rules: who is behind the sale."""

from __future__ import annotations

import pytest

from diligence.vocabulary import Outcome
from tests.diligence.factories import advisor, check, make_facts, member

ANONYMOUS = member(named=False)


# team.anonymous


def test_team_anonymous_passes_when_every_core_member_is_named():
    result = check("team.anonymous", make_facts())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "team: 3 of 3 members named"


def test_team_anonymous_flags_a_team_with_no_named_member():
    result = check("team.anonymous", make_facts(team=(ANONYMOUS,) * 4))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "team: 0 of 4 members named"


def test_team_anonymous_flags_a_team_that_is_mostly_anonymous():
    result = check("team.anonymous", make_facts(team=(member(), ANONYMOUS, ANONYMOUS)))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "team: 1 of 3 members named"


def test_team_anonymous_passes_when_exactly_half_the_team_is_named():
    team = (member(), member(), ANONYMOUS, ANONYMOUS)

    result = check("team.anonymous", make_facts(team=team))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "team: 2 of 4 members named"


def test_team_anonymous_does_not_let_named_advisors_hide_an_anonymous_core_team():
    team = (ANONYMOUS, ANONYMOUS, advisor(), advisor(), advisor())

    result = check("team.anonymous", make_facts(team=team))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "team: 0 of 2 members named"


def test_team_anonymous_counts_advisors_when_they_are_the_only_members():
    result = check("team.anonymous", make_facts(team=(advisor(), advisor(named=False))))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "team: 1 of 2 members named"


@pytest.mark.parametrize(
    ("team_size", "evidence"),
    [
        (None, "team: no members recorded"),
        (7, "team: no members recorded (team size stated as 7)"),
    ],
)
def test_team_rules_are_unknown_when_the_team_is_not_recorded(team_size, evidence):
    facts = make_facts(team=None, team_size=team_size)

    for code in ("team.anonymous", "team.inexperienced", "team.advisors_unknown"):
        assert check(code, facts).outcome == Outcome.UNKNOWN
        assert check(code, facts).evidence == evidence


@pytest.mark.parametrize(
    ("code", "evidence"),
    [
        ("team.anonymous", "team: checked, the sale lists no members (team size stated as 7)"),
        (
            "team.inexperienced",
            "team: checked, the sale lists no members (team size stated as 7), "
            "so none with known experience",
        ),
        (
            "team.advisors_unknown",
            "team: checked, the sale lists no members (team size stated as 7), advisors included",
        ),
    ],
)
def test_team_rules_flag_a_team_checked_and_none_listed(code, evidence):
    result = check(code, make_facts(team=(), team_size=7))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == evidence


# team.inexperienced


def test_team_inexperienced_passes_when_one_core_member_has_relevant_experience():
    team = (member(experienced=True), member(experienced=False), member(experienced=None))

    result = check("team.inexperienced", make_facts(team=team))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "team: 1 of 3 members with relevant experience"


def test_team_inexperienced_flags_a_team_known_to_lack_experience():
    team = (member(experienced=False), member(experienced=False), advisor())

    result = check("team.inexperienced", make_facts(team=team))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "team: 0 of 2 members with relevant experience"


def test_team_inexperienced_does_not_borrow_experience_from_advisors():
    team = (member(experienced=False), member(advisor=True, experienced=True))

    result = check("team.inexperienced", make_facts(team=team))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "team: 0 of 1 members with relevant experience"


def test_team_inexperienced_is_unknown_while_some_experience_is_unrecorded():
    team = (member(experienced=False), member(experienced=None))

    result = check("team.inexperienced", make_facts(team=team))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == (
        "team: 0 of 2 members with relevant experience; experience of 1 not recorded"
    )


# team.advisors_unknown


def test_team_advisors_unknown_passes_with_a_named_advisor_with_a_profile():
    team = (member(), advisor(named=False), advisor())

    result = check("team.advisors_unknown", make_facts(team=team))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "advisors: 1 of 2 named with a public profile"


def test_team_advisors_unknown_flags_a_team_without_advisors():
    result = check("team.advisors_unknown", make_facts(team=(member(), member(), member())))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "advisors: none among 3 team members"


def test_team_advisors_unknown_flags_advisors_that_cannot_be_verified():
    team = (member(), advisor(has_profile=False), advisor(named=False, has_profile=True))

    result = check("team.advisors_unknown", make_facts(team=team))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "advisors: 0 of 2 named with a public profile"


# issuer.unidentified


def test_issuer_unidentified_passes_with_entity_jurisdiction_and_address():
    result = check("issuer.unidentified", make_facts())

    assert result.outcome == Outcome.PASS
    assert result.evidence == "issuer: Payline Labs GmbH, DE, postal address given"


def test_issuer_unidentified_flags_a_missing_postal_address():
    result = check("issuer.unidentified", make_facts(postal_address=""))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "issuer: legal entity, jurisdiction given, but no postal address"


def test_issuer_unidentified_names_every_missing_part():
    result = check("issuer.unidentified", make_facts(country="", postal_address=""))

    assert result.outcome == Outcome.FLAG
    assert (
        result.evidence == "issuer: legal entity given, but no jurisdiction and no postal address"
    )


def test_issuer_unidentified_flags_an_address_without_an_entity():
    result = check("issuer.unidentified", make_facts(legal_entity=""))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == "issuer: jurisdiction, postal address given, but no legal entity"


def test_issuer_unidentified_is_unknown_when_nothing_about_the_issuer_is_recorded():
    facts = make_facts(legal_entity="", country="", postal_address="")

    result = check("issuer.unidentified", facts)

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "issuer: no legal entity, jurisdiction or postal address recorded"


# issuer.offshore


def test_issuer_offshore_passes_an_onshore_jurisdiction():
    result = check("issuer.offshore", make_facts(country="DE"))

    assert result.outcome == Outcome.PASS
    assert result.evidence == "issuer jurisdiction: DE"


@pytest.mark.parametrize("country", ["KY", "VG", "SC"])
def test_issuer_offshore_flags_an_offshore_financial_centre(country):
    result = check("issuer.offshore", make_facts(country=country))

    assert result.outcome == Outcome.FLAG
    assert result.evidence == f"issuer jurisdiction: {country}, an offshore financial centre"


def test_issuer_offshore_is_unknown_without_a_jurisdiction():
    result = check("issuer.offshore", make_facts(country=""))

    assert result.outcome == Outcome.UNKNOWN
    assert result.evidence == "issuer jurisdiction: not recorded"
