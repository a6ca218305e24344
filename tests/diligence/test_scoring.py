"""Folding findings into a score, grade, risk and coverage; evaluation with analyst reviews."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest

from diligence.evaluation import ReviewFacts, evaluate
from diligence.rules import Outcome
from diligence.scoring import Scored, fold
from tests.diligence.factories import (
    WHITEPAPER_TEXT,
    advisor,
    allocation,
    make_facts,
    member,
)

ANONYMOUS_TEAM = (member(named=False),) * 3 + (advisor(),)


def scored(outcome: str, weight: int, severity: str = "high") -> Scored:
    return Scored(outcome, weight, severity)


def share_flagged(flagged: int, total: int):
    """Findings of `total` weight of which `flagged` is flagged and the rest passed."""
    return fold([scored("flag", flagged), scored("pass", total - flagged)])


# fold()


@pytest.mark.parametrize(
    "findings", [[], [scored("not_applicable", 6), scored("not_applicable", 10, "critical")]]
)
def test_fold_without_applicable_rules_gives_no_score_and_no_coverage(findings):
    score = fold(findings)

    assert score.score is None
    assert (score.grade, score.risk) == ("", "")
    assert score.coverage == 0


def test_fold_counts_missing_information_as_a_quarter_of_a_flag():
    score = fold([scored("unknown", 6), scored("unknown", 3), scored("not_applicable", 10)])

    assert score.score == Decimal("75.0")
    assert score.coverage == 0
    # 75 would be a B with low-to-medium risk, but nothing is known: capped at C, medium.
    assert (score.grade, score.risk) == ("C", "medium")


def test_thin_coverage_caps_the_grade_but_not_a_worse_one():
    # 6 of 16 applicable weight decided (37.5%), all passing: score 100 - 25 * 10 / 16
    thin = fold([scored("pass", 6), scored("unknown", 10, "critical")])
    assert (thin.score, thin.grade, thin.risk) == (Decimal("84.4"), "C", "medium")
    # 10 of 16 decided (62.5%): the grade its score earns is kept
    known = fold([scored("pass", 10, "critical"), scored("unknown", 6)])
    assert (known.score, known.grade, known.risk) == (Decimal("90.6"), "A", "low")
    # a worse grade is never raised by the cap
    bad = fold([scored("flag", 6), scored("unknown", 10, "critical")])
    assert (bad.score, bad.grade, bad.risk) == (Decimal("46.9"), "D", "high")


def test_fold_gives_full_marks_when_every_rule_passes():
    score = fold([scored("pass", 10, "critical"), scored("pass", 1, "low")])

    assert (score.score, score.grade, score.risk, score.coverage) == (100, "A", "low", 1)


def test_fold_bottoms_out_at_zero_when_every_rule_flags():
    score = fold([scored("flag", 6), scored("flag", 3, "medium")])

    assert (score.score, score.grade, score.risk, score.coverage) == (0, "F", "critical", 1)


def test_a_critical_flag_caps_a_high_score_at_grade_d_and_critical_risk():
    score = fold([scored("flag", 10, "critical"), scored("pass", 990)])

    assert score.score == Decimal("99.0")
    assert (score.grade, score.risk) == ("D", "critical")


def test_a_critical_flag_does_not_raise_a_failing_grade():
    score = fold([scored("flag", 10, "critical"), scored("flag", 6), scored("pass", 1)])

    assert score.grade == "F"


def test_a_high_flag_does_not_cap_the_grade():
    score = fold([scored("flag", 6), scored("pass", 994)])

    assert (score.grade, score.risk) == ("A", "low")


@pytest.mark.parametrize(
    ("flagged", "total", "score", "grade"),
    [
        (15, 100, "85.0", "A"),
        (151, 1000, "84.9", "B"),
        (30, 100, "70.0", "B"),
        (301, 1000, "69.9", "C"),
        (45, 100, "55.0", "C"),
        (451, 1000, "54.9", "D"),
        (60, 100, "40.0", "D"),
        (601, 1000, "39.9", "F"),
    ],
)
def test_grade_thresholds(flagged, total, score, grade):
    result = share_flagged(flagged, total)

    assert (result.score, result.grade) == (Decimal(score), grade)


@pytest.mark.parametrize(
    ("flagged", "total", "risk"),
    [
        (20, 100, "low"),
        (201, 1000, "medium"),
        (40, 100, "medium"),
        (401, 1000, "high"),
        (60, 100, "high"),
        (601, 1000, "critical"),
    ],
)
def test_risk_thresholds(flagged, total, risk):
    assert share_flagged(flagged, total).risk == risk


def test_fold_rounds_the_score_half_up_to_one_decimal():
    # 100 * (1 - 127/2000) = 93.65, which rounding half to even would make 93.6
    assert share_flagged(127, 2000).score == Decimal("93.7")


def test_coverage_is_the_decided_share_of_applicable_weight():
    findings = [
        scored("pass", 10, "critical"),
        scored("unknown", 6),
        scored("flag", 3, "medium"),
        scored("not_applicable", 1, "low"),
    ]

    score = fold(findings)

    assert score.coverage == Decimal("0.684")  # (19 - 6) / 19
    assert score.score == Decimal("76.3")  # 100 * (1 - (3 + 6/4) / 19)


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
def test_a_manual_finding_adds_weight_by_its_severity(severity, weight):
    facts = make_facts()
    applicable = sum(f.weight for f in evaluate(facts).findings if f.outcome != "not_applicable")
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
    expected = 100 * (1 - Decimal(weight) / (applicable + weight))
    assert reviewed.score.score == expected.quantize(Decimal("0.1"), ROUND_HALF_UP)
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
        "website.insecure",  # weight 3 since methodology 1.1
        "whitepaper.incomplete",
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
