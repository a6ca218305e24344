"""Folding findings into a score, a grade, a risk level and a coverage figure (methodology v1).

score = 100 × (1 − (Σ weight of flags + ½ · Σ weight of unknowns) / Σ applicable weight),
clipped to 0..100: missing information is a risk, but half as much as a confirmed flag.
Any critical flag caps the grade at D and makes the risk critical.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from diligence.rules import RULES
from diligence.rules.base import FLAG, NOT_APPLICABLE, UNKNOWN, Severity

METHODOLOGY_VERSION = "1.0"
# Bump METHODOLOGY_VERSION and record the new fingerprint whenever a rule, weight or threshold
# changes; a test fails until both are updated, so no change goes unversioned.
METHODOLOGY_FINGERPRINT = "9f78d3fd9a46"

UNKNOWN_PENALTY = Decimal("0.5")
GRADES = ((Decimal(85), "A"), (Decimal(70), "B"), (Decimal(55), "C"), (Decimal(40), "D"))
RISKS = ((Decimal(80), "low"), (Decimal(60), "medium"), (Decimal(40), "high"))
CRITICAL_CAP = "D"
_CRITICAL = Severity.CRITICAL.value


@dataclass(frozen=True, slots=True)
class Scored:
    outcome: str
    weight: int
    severity: str


@dataclass(frozen=True, slots=True)
class Score:
    score: Decimal | None
    grade: str
    risk: str
    coverage: Decimal


def fold(findings: Iterable[Scored]) -> Score:
    # Anything with outcome, weight and severity attributes folds (Scored, Judged, Finding).
    """Score a set of findings; with no applicable rule there is no score, only 0% coverage."""
    applicable = flagged = unknown = 0
    critical = False
    for finding in findings:
        outcome = finding.outcome
        if outcome == NOT_APPLICABLE:
            continue
        applicable += finding.weight
        if outcome == FLAG:
            flagged += finding.weight
            critical |= finding.severity == _CRITICAL
        elif outcome == UNKNOWN:
            unknown += finding.weight
    if not applicable:
        return Score(score=None, grade="", risk="", coverage=Decimal(0))
    raw = 100 * (1 - (flagged + UNKNOWN_PENALTY * unknown) / Decimal(applicable))
    score = min(max(raw, Decimal(0)), Decimal(100)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    grade = next((letter for floor, letter in GRADES if score >= floor), "F")
    if critical and grade < CRITICAL_CAP:
        grade = CRITICAL_CAP
    risk = "critical" if critical else next((r for floor, r in RISKS if score >= floor), "critical")
    coverage = (Decimal(applicable - unknown) / applicable).quantize(
        Decimal("0.001"), ROUND_HALF_UP
    )
    return Score(score=score, grade=grade, risk=risk, coverage=coverage)


def fingerprint() -> str:
    """A short hash of everything that decides a score: rules, weights and thresholds."""
    parts = [
        f"{r.code}:{r.severity}:{r.weight}" for r in sorted(RULES.values(), key=lambda r: r.code)
    ]
    parts += [f"{floor}{label}" for floor, label in GRADES + RISKS]
    parts.append(str(UNKNOWN_PENALTY))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
