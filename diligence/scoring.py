"""Folding findings into a score, a grade, a risk level, a coverage figure and a probability
(methodology 2.0).

score = 100 − Σ points, clipped to 0..100. A finding costs points only when it flags or cannot be
decided; how many is learned from outcomes (diligence/weights/<version>.json, written by
`manage.py calibrate`) and shrunk towards the guides' severities, so every flag still shows the
points it cost. Points are additive log-odds of a bad outcome (ten points per unit), which is why
a pass elsewhere never dilutes a flag, and why the same fit turns them into a calibrated
probability of the good outcome.

Any critical flag caps the grade at D and makes the risk critical; a coverage under 50% caps
the grade at C and the risk at medium, so an offering we know little about never looks safe.
Coverage is the share of applicable severity weight that could be decided.

Before 2.0 the score was 100 × (1 − (Σ flagged weight + ¼ Σ unknown weight) / Σ applicable
weight): a pass on one rule diluted a flag on another, and on labelled offerings it ranked no
better than a plain count of flags (README, "Backtest").

2.0 also brings the nine `contract` rules (contract-risk checks: GoPlus, an explorer, JSON-RPC)
with guide-based points; the fingerprint covers their configured thresholds too.
It also brings `tokens.unlock_overhang` (an unlock over UNLOCK_OVERHANG_PERCENT of circulating
supply within UNLOCK_OVERHANG_DAYS, from the allocations' vesting schedules), whose share and
window the fingerprint covers.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache

from diligence import weights
from diligence.rules import RULES, contract, documents, market, tokens
from diligence.vocabulary import (
    CRITICAL_CAP,
    FLAG,
    GRADE_FLOORS,
    NOT_APPLICABLE,
    RISK_FLOORS,
    THIN_COVERAGE,
    THIN_COVERAGE_CAP,
    THIN_COVERAGE_RISK,
    UNKNOWN,
    Risk,
    Severity,
    grade_for,
    risk_for,
)

METHODOLOGY_VERSION = "2.1"
# Bump METHODOLOGY_VERSION and record the new fingerprint whenever a rule, weight or threshold
# changes; a test fails until both are updated, so no change goes unversioned.
METHODOLOGY_FINGERPRINT = "2ceb5e0fcefa"  # pragma: allowlist secret
# 2.1 (issue 16) adds legal.regulator_action, legal.sanctioned_address and whitepaper.copied and
# makes legal.security_unregistered read EDGAR; refitted on TORD, which never observes the new
# rules, so they keep their guide-based priors (diligence/weights/2.1.json says why).

_CRITICAL = Severity.CRITICAL.value
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Scored:
    rule_code: str
    outcome: str
    weight: int
    severity: str


@dataclass(frozen=True, slots=True)
class Score:
    score: Decimal | None
    grade: str
    risk: str
    coverage: Decimal
    points: Decimal = _ZERO
    probability: Decimal | None = None


def current_weights() -> weights.Weights:
    return weights.load(METHODOLOGY_VERSION)


@cache
def rule_points(rule_code: str, weight: int) -> tuple[Decimal, Decimal]:
    """What a rule costs when it flags and when it cannot decide, under this methodology."""
    rule = current_weights().for_rule(rule_code, weight)
    return rule.flag_points, rule.unknown_points


def finding_points(rule_code: str, outcome: str, weight: int) -> Decimal:
    """The points one finding costs (zero for a pass or a rule that does not apply)."""
    if outcome == FLAG:
        return rule_points(rule_code, weight)[0]
    if outcome == UNKNOWN:
        return rule_points(rule_code, weight)[1]
    return _ZERO


def fold(findings: Iterable[Scored]) -> Score:
    # Anything with rule_code, outcome, weight and severity attributes folds (Scored, Judged,
    # Finding).
    """Score a set of findings; with no applicable rule there is no score, only 0% coverage."""
    applicable = unknown = 0
    lost = _ZERO
    critical = False
    for finding in findings:
        outcome = finding.outcome
        if outcome == NOT_APPLICABLE:
            continue
        applicable += finding.weight
        if outcome == FLAG:
            lost += rule_points(finding.rule_code, finding.weight)[0]
            critical |= finding.severity == _CRITICAL
        elif outcome == UNKNOWN:
            unknown += finding.weight
            lost += rule_points(finding.rule_code, finding.weight)[1]
    return _score(applicable, unknown, lost, critical)


# A score depends on two small integers, a sum of points and a flag: computed once per combination.
@lru_cache(maxsize=16384)
def _score(applicable: int, unknown: int, lost: Decimal, critical: bool) -> Score:
    if not applicable:
        return Score(score=None, grade="", risk="", coverage=Decimal(0))
    score = min(max(Decimal(100) - lost, _ZERO), Decimal(100)).quantize(
        Decimal("0.1"), ROUND_HALF_UP
    )
    coverage = (Decimal(applicable - unknown) / applicable).quantize(
        Decimal("0.001"), ROUND_HALF_UP
    )
    grade = grade_for(score)
    if critical and grade < CRITICAL_CAP:
        grade = CRITICAL_CAP
    risk = Risk.CRITICAL.value if critical else risk_for(score)
    if coverage < THIN_COVERAGE:
        grade = max(grade, THIN_COVERAGE_CAP)
        risk = THIN_COVERAGE_RISK if risk == Risk.LOW else risk
    probability = Decimal(repr(current_weights().probability(lost))).quantize(
        Decimal("0.0001"), ROUND_HALF_UP
    )
    return Score(score, grade, risk, coverage, lost, probability)


@dataclass(frozen=True, slots=True)
class Chance:
    """The calibrated chance of the good outcome, its 95% interval and what it is a chance of."""

    probability: Decimal
    low: Decimal | None
    high: Decimal | None
    outcome: str


def chance(findings: Iterable[Scored]) -> Chance | None:
    """The chance for an assessment's findings under the current methodology's fit."""
    findings = list(findings)
    if not any(f.outcome != NOT_APPLICABLE for f in findings):
        return None
    lost = sum((finding_points(f.rule_code, f.outcome, f.weight) for f in findings), _ZERO)
    fitted = current_weights()
    interval = fitted.probability_interval(lost)
    low, high = (None, None) if interval is None else (_percent(interval[0]), _percent(interval[1]))
    return Chance(_percent(fitted.probability(lost)), low, high, fitted.outcome)


def _percent(value: float) -> Decimal:
    return (Decimal(repr(value)) * 100).quantize(Decimal(1), ROUND_HALF_UP)


def fingerprint() -> str:
    """A short hash of everything that decides a score: rules, weights, points and thresholds."""
    parts = [
        f"{r.code}:{r.severity}:{r.weight}:{':'.join(map(str, rule_points(r.code, r.weight)))}"
        for r in sorted(RULES.values(), key=lambda r: r.code)
    ]
    parts += [f"{floor}{label}" for floor, label in GRADE_FLOORS + RISK_FLOORS]
    parts += [f"{THIN_COVERAGE}{THIN_COVERAGE_CAP}"]
    calibration = current_weights()
    parts += [f"calibration={calibration.intercept!r},{calibration.slope!r}"]
    parts += [f"market.{name}={value}" for name, value in sorted(market.thresholds().items())]
    parts += [f"contract.{name}={value}" for name, value in sorted(contract.thresholds().items())]
    parts += [
        f"tokens.{name}={value}" for name, value in sorted(tokens.unlock_thresholds().items())
    ]
    parts += [
        f"whitepaper.{name}={value}" for name, value in sorted(documents.copy_thresholds().items())
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
