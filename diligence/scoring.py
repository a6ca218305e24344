"""Folding findings into a score, a grade, a risk level and a coverage figure (methodology 1.3).

score = 100 × (1 − (Σ weight of flags + ¼ · Σ weight of unknowns) / Σ applicable weight),
clipped to 0..100: missing information is a risk, but a quarter of a confirmed flag.
Any critical flag caps the grade at D and makes the risk critical; a coverage under 50% caps
the grade at C and the risk at medium, so an offering we know little about never looks safe.

Why ¼ and not the checklist's starting ½: on the TORD backtest the ½ penalty made the score
mostly a measure of how much a source records (AUC 0.39 on all rows, coverage alone 0.31),
while ¼ keeps missing data costly and ranks better (0.61 on all rows; 0.526 vs 0.514 within
ICObench, the one source that records enough to judge). Coverage is shown beside every score.

1.2 fills the market rules from the market-data refresh and gives `market.thin_liquidity` an
absolute volume floor (MARKET_THIN_VOLUME_FLOOR_USD); the fingerprint now covers the market
thresholds, so a deployment with another floor shows another fingerprint.

1.3 adds `tokens.unlock_overhang` (medium: an unlock over UNLOCK_OVERHANG_PERCENT of circulating
supply within UNLOCK_OVERHANG_DAYS, from the allocations' vesting schedules); the fingerprint
covers that share and window.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from diligence.rules import RULES, market, tokens
from diligence.rules.base import FLAG, NOT_APPLICABLE, UNKNOWN, Severity

METHODOLOGY_VERSION = "1.3"
# Bump METHODOLOGY_VERSION and record the new fingerprint whenever a rule, weight or threshold
# changes; a test fails until both are updated, so no change goes unversioned.
METHODOLOGY_FINGERPRINT = "df732127a6b5"  # pragma: allowlist secret

UNKNOWN_PENALTY = Decimal("0.25")
GRADES = ((Decimal(85), "A"), (Decimal(70), "B"), (Decimal(55), "C"), (Decimal(40), "D"))
RISKS = ((Decimal(80), "low"), (Decimal(60), "medium"), (Decimal(40), "high"))
CRITICAL_CAP = "D"
# A score resting mostly on missing data cannot earn a good grade or a low risk.
THIN_COVERAGE = Decimal("0.5")
THIN_COVERAGE_CAP = "C"
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
    return _score(applicable, flagged, unknown, critical)


# A score depends on four small integers only, so the decimal arithmetic runs once per combination.
@lru_cache(maxsize=4096)
def _score(applicable: int, flagged: int, unknown: int, critical: bool) -> Score:
    if not applicable:
        return Score(score=None, grade="", risk="", coverage=Decimal(0))
    raw = 100 * (1 - (flagged + UNKNOWN_PENALTY * unknown) / Decimal(applicable))
    score = min(max(raw, Decimal(0)), Decimal(100)).quantize(Decimal("0.1"), ROUND_HALF_UP)
    coverage = (Decimal(applicable - unknown) / applicable).quantize(
        Decimal("0.001"), ROUND_HALF_UP
    )
    grade = next((letter for floor, letter in GRADES if score >= floor), "F")
    if critical and grade < CRITICAL_CAP:
        grade = CRITICAL_CAP
    risk = "critical" if critical else next((r for floor, r in RISKS if score >= floor), "critical")
    if coverage < THIN_COVERAGE:
        grade = max(grade, THIN_COVERAGE_CAP)
        risk = "medium" if risk == "low" else risk
    return Score(score=score, grade=grade, risk=risk, coverage=coverage)


def fingerprint() -> str:
    """A short hash of everything that decides a score: rules, weights and thresholds."""
    parts = [
        f"{r.code}:{r.severity}:{r.weight}" for r in sorted(RULES.values(), key=lambda r: r.code)
    ]
    parts += [f"{floor}{label}" for floor, label in GRADES + RISKS]
    parts += [str(UNKNOWN_PENALTY), f"{THIN_COVERAGE}{THIN_COVERAGE_CAP}"]
    parts += [f"market.{name}={value}" for name, value in sorted(market.thresholds().items())]
    parts += [
        f"tokens.{name}={value}" for name, value in sorted(tokens.unlock_thresholds().items())
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:12]
