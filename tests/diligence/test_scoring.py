"""Folding findings into a score, grade, risk and coverage; evaluation with analyst reviews."""

from __future__ import annotations

from decimal import Decimal

import pytest

from diligence import scoring
from diligence.evaluation import ReviewFacts, evaluate
from diligence.scoring import Scored, fold
from diligence.vocabulary import Outcome
from tests.diligence.factories import (
    WHITEPAPER_TEXT,
    advisor,
    allocation,
    make_facts,
    member,
)

ANONYMOUS_TEAM = (member(named=False),) * 3 + (advisor(),)


def scored(outcome: str, weight: int, severity: str = "high", code: str = "") -> Scored:
    # A code the weights file does not name costs its guide-based prior: 1.5 points a weight.
    return Scored(code or f"test.rule_{weight}_{severity}", outcome, weight, severity)


@pytest.fixture
def points(monkeypatch):
    """Give test rules fixed points: `points({"a": "7.5"})` makes a flag of rule a cost 7.5."""

    def install(table: dict[str, str]):
        monkeypatch.setattr(
            scoring, "rule_points", lambda code, weight: (Decimal(table[code]), Decimal(0))
        )

    return install


# fold()


@pytest.mark.parametrize(
    "findings", [[], [scored("not_applicable", 6), scored("not_applicable", 10, "critical")]]
)
def test_fold_without_applicable_rules_gives_no_score_and_no_coverage(findings):
    score = fold(findings)

    assert score.score is None
    assert (score.grade, score.risk) == ("", "")
    assert score.coverage == 0


def test_a_flag_costs_its_prior_points_when_the_fit_does_not_name_the_rule():
    score = fold([scored("flag", 6), scored("pass", 3, "medium")])

    assert score.points == Decimal("9.0")  # high: 6 × 1.5
    assert score.score == Decimal("91.0")


def test_a_pass_elsewhere_never_dilutes_a_flag():
    alone = fold([scored("flag", 6)])
    among_passes = fold([scored("flag", 6)] + [scored("pass", 10, "critical")] * 30)

    assert alone.score == among_passes.score == Decimal("91.0")


def test_missing_information_costs_no_points_but_lowers_coverage():
    score = fold([scored("unknown", 6), scored("unknown", 3), scored("pass", 1, "low")])

    assert score.score == 100
    assert score.coverage == Decimal("0.100")
    # 100 would be an A with low risk, but little is known: capped at C, medium.
    assert (score.grade, score.risk) == ("C", "medium")


def test_thin_coverage_caps_the_grade_but_not_a_worse_one():
    thin = fold([scored("pass", 6), scored("unknown", 10, "critical")])
    assert (thin.grade, thin.risk) == ("C", "medium")
    known = fold([scored("pass", 10, "critical"), scored("unknown", 6)])
    assert (known.grade, known.risk) == ("A", "low")
    bad = fold([scored("flag", 10, "high"), scored("flag", 6), scored("unknown", 10, "critical")])
    assert (bad.score, bad.grade) == (Decimal("76.0"), "B")  # coverage 16/26: its own grade


@pytest.mark.parametrize(
    ("lost", "score", "grade", "risk"),
    [
        ("15", "85.0", "A", "low"),
        ("15.1", "84.9", "B", "low"),
        ("20", "80.0", "B", "low"),
        ("20.1", "79.9", "B", "medium"),
        ("30.1", "69.9", "C", "medium"),
        ("40.1", "59.9", "C", "high"),
        ("45.1", "54.9", "D", "high"),
        ("60", "40.0", "D", "high"),
        ("60.1", "39.9", "F", "critical"),
        ("130", "0.0", "F", "critical"),
    ],
)
def test_grade_and_risk_thresholds(points, lost, score, grade, risk):
    points({"a": lost})

    result = fold([Scored("a", "flag", 6, "high"), Scored("b", "pass", 6, "high")])

    assert (result.score, result.grade, result.risk) == (Decimal(score), grade, risk)


def test_a_critical_flag_caps_the_grade_at_d_and_makes_the_risk_critical(points):
    points({"a": "1"})

    result = fold([Scored("a", "flag", 10, "critical"), Scored("b", "pass", 990, "high")])

    assert (result.score, result.grade, result.risk) == (Decimal("99.0"), "D", "critical")


def test_coverage_is_the_decided_share_of_applicable_weight():
    findings = [
        scored("pass", 10, "critical"),
        scored("unknown", 6),
        scored("flag", 3, "medium"),
        scored("not_applicable", 1, "low"),
    ]

    score = fold(findings)

    assert score.coverage == Decimal("0.684")  # (19 - 6) / 19
    assert score.score == Decimal("95.5")  # 100 - 3 × 1.5


def test_the_probability_falls_as_points_are_lost_and_matches_the_weights_file():
    scores = [fold([scored("flag", weight)]) for weight in (1, 3, 6, 10)]

    probabilities = [s.probability for s in scores]
    assert probabilities == sorted(probabilities, reverse=True)
    assert len(set(probabilities)) == 4
    expected = scoring.current_weights().probability(scores[2].points)
    assert scores[2].probability == Decimal(repr(expected)).quantize(Decimal("0.0001"))


# evaluate(): the checklist on one offering, with reviews


def review(rule_code: str, verdict: str, outcome: str, seen: tuple[str, str], **manual):
    return ReviewFacts(
        id=manual.pop("id", 7),
        rule_code=rule_code,
        verdict=verdict,
        outcome=outcome,
        title=manual.get("title", ""),
        severity=manual.get("severity", ""),
        outcome_seen=seen[0],
        evidence_seen=seen[1],
    )


def finding(evaluation, code: str):
    return next(f for f in evaluation.findings if f.rule_code == code)


def test_the_baseline_facts_pass_every_rule_that_applies():
    evaluation = evaluate(make_facts())

    assert {f.outcome for f in evaluation.findings} == {"pass", "not_applicable"}
    assert (evaluation.score.score, evaluation.score.coverage) == (100, 1)
    assert evaluation.flags == ()


def test_a_confirmation_applies_while_the_outcome_and_evidence_are_unchanged():
    facts = make_facts(whitepaper_pages=5)
    seen = ("flag", "whitepaper: 5 pages (fewer than 10)")

    reviewed = evaluate(facts, [review("whitepaper.thin", "confirm", "flag", seen)])

    thin = finding(reviewed, "whitepaper.thin")
    assert (thin.outcome, thin.automatic_outcome, thin.review_id) == ("flag", "flag", 7)
    assert reviewed.score == evaluate(facts).score
    assert reviewed.stale_reviews == ()
    assert reviewed.digest != evaluate(facts).digest


def test_an_overturn_changes_the_outcome_the_flags_and_the_score():
    facts = make_facts(team=ANONYMOUS_TEAM)
    seen = ("flag", "team: 0 of 3 members named")
    automatic = evaluate(facts)

    reviewed = evaluate(facts, [review("team.anonymous", "overturn", "pass", seen)])

    anonymous = finding(reviewed, "team.anonymous")
    assert (anonymous.outcome, anonymous.automatic_outcome, anonymous.review_id) == (
        "pass",
        "flag",
        7,
    )
    assert automatic.flags == ("team.anonymous",)
    assert reviewed.flags == ()
    assert (automatic.score.grade, automatic.score.risk) == ("D", "critical")
    assert (reviewed.score.score, reviewed.score.grade) == (100, "A")


@pytest.mark.parametrize(
    "seen",
    [("flag", "team: 0 of 4 members named"), ("unknown", "team: 0 of 3 members named")],
    ids=["evidence changed", "outcome changed"],
)
def test_a_review_of_other_facts_becomes_stale_and_is_not_applied(seen):
    facts = make_facts(team=ANONYMOUS_TEAM)

    reviewed = evaluate(facts, [review("team.anonymous", "overturn", "pass", seen, id=11)])

    anonymous = finding(reviewed, "team.anonymous")
    assert (anonymous.outcome, anonymous.review_id) == ("flag", None)
    assert reviewed.stale_reviews == (11,)
    assert reviewed.score == evaluate(facts).score


@pytest.mark.parametrize(
    ("severity", "weight"), [("low", 1), ("medium", 3), ("high", 6), ("critical", 10)]
)
def test_a_manual_finding_costs_the_prior_points_of_its_severity(severity, weight):
    facts = make_facts()
    before = evaluate(facts).score.score
    manual = review(
        "manual.founder_record",
        "manual",
        "flag",
        ("", ""),
        title="Founder fined for fraud",
        severity=severity,
    )

    reviewed = evaluate(facts, [manual])

    added = finding(reviewed, "manual.founder_record")
    assert (added.weight, added.severity, added.evidence) == (
        weight,
        severity,
        "Founder fined for fraud",
    )
    assert reviewed.score.score == before - Decimal(weight) * Decimal("1.5")
    assert reviewed.flags == ("manual.founder_record",)
    assert (reviewed.score.grade == "D") is (severity == "critical")


def test_flags_are_listed_heaviest_first_then_by_code():
    without_roadmap = "\n\n".join(
        section for section in WHITEPAPER_TEXT.split("\n\n") if "Roadmap" not in section
    )
    facts = make_facts(
        team=ANONYMOUS_TEAM,
        allocations=(allocation("team", 40, vesting_months=24), allocation("public_sale", 60)),
        whitepaper_text=without_roadmap,
        roadmap=False,
        whitepaper_pages=5,
        website="http://payline.example",
    )

    assert evaluate(facts).flags == (
        "team.anonymous",
        "tokens.insider_heavy",
        "roadmap.missing",
        "whitepaper.incomplete",
        "website.insecure",
        "whitepaper.thin",
    )


def test_the_digest_follows_the_findings_and_nothing_else():
    digest = evaluate(make_facts()).digest

    assert evaluate(make_facts()).digest == digest
    assert evaluate(make_facts(offering_id=2, name="Other")).digest == digest
    assert evaluate(make_facts(whitepaper_pages=31)).digest != digest
    assert finding(evaluate(make_facts(whitepaper_pages=31)), "whitepaper.thin").outcome == (
        Outcome.PASS
    )
