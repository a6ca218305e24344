"""Running the checklist on one offering's facts, with the analysts' reviews applied."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from diligence.facts import OfferingFacts
from diligence.rules import RULES, Severity
from diligence.rules.base import FLAG, WEIGHTS
from diligence.scoring import METHODOLOGY_VERSION, Score, fold

# What evaluate() needs of each rule, looked up once rather than 36 times per offering.
_CHECKS = tuple((code, r.check, r.weight, r.severity.value) for code, r in RULES.items())


@dataclass(frozen=True, slots=True)
class ReviewFacts:
    """What the evaluation needs to know of an active analyst review."""

    id: int
    rule_code: str
    verdict: str
    outcome: str
    title: str
    severity: str
    outcome_seen: str
    evidence_seen: str


@dataclass(frozen=True, slots=True)
class Judged:
    rule_code: str
    outcome: str
    automatic_outcome: str
    evidence: str
    weight: int
    severity: str
    review_id: int | None


@dataclass(frozen=True, slots=True)
class Evaluation:
    offering_id: int
    findings: tuple[Judged, ...]
    score: Score
    flags: tuple[str, ...]
    digest: str
    stale_reviews: tuple[int, ...]


def evaluate(facts: OfferingFacts, reviews: Iterable[ReviewFacts] = ()) -> Evaluation:
    """Every rule's verdict; a review applies while the facts it saw are unchanged."""
    by_rule = {review.rule_code: review for review in reviews}
    findings: list[Judged] = []
    stale: list[int] = []
    for code, check, weight, severity in _CHECKS:
        result = check(facts)
        outcome, review_id = result.outcome, None
        review = by_rule.pop(code, None)
        if review is not None:
            if (review.outcome_seen, review.evidence_seen) == (result.outcome, result.evidence):
                outcome, review_id = review.outcome, review.id
            else:
                stale.append(review.id)
        findings.append(
            Judged(
                code,
                outcome,
                result.outcome,
                result.evidence,
                weight,
                severity,
                review_id,
            )
        )
    for review in by_rule.values():
        if review.verdict == "manual":
            severity = Severity(review.severity)
            findings.append(
                Judged(
                    review.rule_code,
                    review.outcome,
                    "",
                    review.title,
                    WEIGHTS[severity],
                    severity.value,
                    review.id,
                )
            )
    score = fold(findings)
    flags = tuple(
        f.rule_code for f in sorted((f for f in findings if f.outcome == FLAG), key=_heaviest_first)
    )
    return Evaluation(
        offering_id=facts.offering_id,
        findings=tuple(findings),
        score=score,
        flags=flags,
        digest=_digest(findings),
        stale_reviews=tuple(stale),
    )


def _heaviest_first(finding: Judged) -> tuple[int, str]:
    return -finding.weight, finding.rule_code


def _digest(findings: list[Judged]) -> str:
    text = "\n".join(
        f"{f.rule_code}|{f.outcome}|{f.automatic_outcome}|{f.weight}|{f.review_id}|{f.evidence}"
        for f in findings
    )
    return hashlib.md5(f"{METHODOLOGY_VERSION}\n{text}".encode(), usedforsecurity=False).hexdigest()
