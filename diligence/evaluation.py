"""Running the checklist on one offering's facts, with the analysts' reviews applied."""

from __future__ import annotations

import hashlib
import json
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
    findings_json: str  # as stored in Assessment.findings_json
    unreviewed_flags: bool


_OUTCOMES = (PASS, FLAG, UNKNOWN, NOT_APPLICABLE)
# What evaluate() needs of each rule, looked up once rather than 36 times per offering: its
# check, weight and severity, the start of its digest line for each outcome when unreviewed, and
# its stored JSON around the evidence (the same text json.dumps gives the finding).
_CHECKS = tuple(
    (
        code,
        r.check,
        r.weight,
        r.severity.value,
        {o: f"{code}|{o}|{o}|{r.weight}|None|" for o in _OUTCOMES},
        {o: json.dumps([code, o, o])[:-1] + ", " for o in _OUTCOMES},
        f", {r.weight}, {json.dumps(r.severity.value)}, null]",
    )
    for code, r in RULES.items()
)
# The C encoder json.dumps uses for a string.
_json_text = json.encoder.encode_basestring_ascii
# Findings are built 36 times per offering; tuple.__new__ skips the named tuple's __new__.
_new = tuple.__new__


def evaluate(facts: OfferingFacts, reviews: Iterable[ReviewFacts] = ()) -> Evaluation:
    """Every rule's verdict; a review applies while the facts it saw are unchanged."""
    by_rule = {review.rule_code: review for review in reviews}
    reviewed = bool(by_rule)
    findings: list[Judged] = []
    lines: list[str] = []  # the digest's text, one line per finding
    stored: list[str] = []  # the findings' JSON, one array per finding
    stale: list[int] = []
    for code, check, weight, severity, digest_starts, json_starts, json_end in _CHECKS:
        outcome, evidence = check(facts)
        review = by_rule.pop(code, None) if by_rule else None
        if review is None:
            findings.append(
                _new(Judged, (code, outcome, outcome, evidence, weight, severity, None))
            )
            lines.append(digest_starts[outcome] + evidence)
            stored.append(json_starts[outcome] + _json_text(evidence) + json_end)
            continue
        if (review.outcome_seen, review.evidence_seen) == (outcome, evidence):
            judged = Judged(code, review.outcome, outcome, evidence, weight, severity, review.id)
        else:
            stale.append(review.id)
            judged = Judged(code, outcome, outcome, evidence, weight, severity, None)
        findings.append(judged)
        lines.append(_digest_line(judged))
        stored.append(json.dumps(judged))
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
            stored.append(json.dumps(judged))
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
        findings_json=f"[{', '.join(stored)}]",
        # Without reviews (most offerings) every flag is unreviewed.
        unreviewed_flags=any(f.outcome == FLAG and f.review_id is None for f in findings)
        if reviewed
        else bool(flags),
    )


def _heaviest_first(finding: Judged) -> tuple[Decimal, str]:
    return -finding_points(finding.rule_code, finding.outcome, finding.weight), finding.rule_code


def _digest_line(f: Judged) -> str:
    return f"{f.rule_code}|{f.outcome}|{f.automatic_outcome}|{f.weight}|{f.review_id}|{f.evidence}"
