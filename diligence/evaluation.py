"""Running the checklist on one offering's facts, with the analysts' reviews applied."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from diligence.facts import OfferingFacts
from diligence.rules import RULES
from diligence.scoring import METHODOLOGY_VERSION, Score, finding_points, fold
from diligence.vocabulary import (
    FLAG,
    NOT_APPLICABLE,
    PASS,
    SEVERITY_WEIGHTS,
    UNKNOWN,
    Severity,
)


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


class Judged(NamedTuple):
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


# What evaluate() needs of each rule, looked up once rather than 36 times per offering: its
# check, weight and severity, and the start of its digest line for each outcome when unreviewed.
_CHECKS = tuple(
    (
        code,
        r.check,
        r.weight,
        r.severity.value,
        {o: f"{code}|{o}|{o}|{r.weight}|None|" for o in (PASS, FLAG, UNKNOWN, NOT_APPLICABLE)},
    )
    for code, r in RULES.items()
)
# Findings are built 36 times per offering; tuple.__new__ skips the named tuple's __new__.
_new = tuple.__new__


def evaluate(facts: OfferingFacts, reviews: Iterable[ReviewFacts] = ()) -> Evaluation:
    """Every rule's verdict; a review applies while the facts it saw are unchanged."""
    by_rule = {review.rule_code: review for review in reviews}
    findings: list[Judged] = []
    lines: list[str] = []  # the digest's text, one line per finding
    stale: list[int] = []
    for code, check, weight, severity, digest_starts in _CHECKS:
        outcome, evidence = check(facts)
        review = by_rule.pop(code, None) if by_rule else None
        if review is None:
            findings.append(
                _new(Judged, (code, outcome, outcome, evidence, weight, severity, None))
            )
            lines.append(digest_starts[outcome] + evidence)
            continue
        if (review.outcome_seen, review.evidence_seen) == (outcome, evidence):
            judged = Judged(code, review.outcome, outcome, evidence, weight, severity, review.id)
        else:
            stale.append(review.id)
            judged = Judged(code, outcome, outcome, evidence, weight, severity, None)
        findings.append(judged)
        lines.append(_digest_line(judged))
    for review in by_rule.values():
        if review.verdict == "manual":
            severity = Severity(review.severity)
            judged = Judged(
                review.rule_code,
                review.outcome,
                "",
                review.title,
                SEVERITY_WEIGHTS[severity],
                severity.value,
                review.id,
            )
            findings.append(judged)
            lines.append(_digest_line(judged))
    flags = tuple(
        f.rule_code for f in sorted((f for f in findings if f.outcome == FLAG), key=_heaviest_first)
    )
    text = "\n".join(lines)
    return Evaluation(
        offering_id=facts.offering_id,
        findings=tuple(findings),
        score=fold(findings),
        flags=flags,
        digest=hashlib.md5(
            f"{METHODOLOGY_VERSION}\n{text}".encode(), usedforsecurity=False
        ).hexdigest(),
        stale_reviews=tuple(stale),
    )


def _heaviest_first(finding: Judged) -> tuple[Decimal, str]:
    return -finding_points(finding.rule_code, finding.outcome, finding.weight), finding.rule_code


def _digest_line(f: Judged) -> str:
    return f"{f.rule_code}|{f.outcome}|{f.automatic_outcome}|{f.weight}|{f.review_id}|{f.evidence}"
