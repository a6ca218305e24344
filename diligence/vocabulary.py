"""The one spelling of diligence's words: a finding's outcome, a rule's severity and its weight,
an assessment's risk level (one ranking) and grade, and the score thresholds between them.

Everything that names an outcome, severity, risk level or grade imports it from here; the
offerings layer keeps only the integer `Offering.current_risk_rank` that `risk_rank()` writes.
The values are the database's: changing one needs a data migration.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models


class Outcome(models.TextChoices):
    """A rule's (or an analyst's) verdict on one offering."""

    PASS = "pass", "Pass"
    FLAG = "flag", "Red flag"
    UNKNOWN = "unknown", "Unknown"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


# Plain-string aliases for the hot path: an enum attribute lookup costs more than a rule check.
PASS, FLAG, UNKNOWN, NOT_APPLICABLE = (
    Outcome.PASS.value,
    Outcome.FLAG.value,
    Outcome.UNKNOWN.value,
    Outcome.NOT_APPLICABLE.value,
)


class Severity(models.TextChoices):
    """How much a rule's flag weighs, from the guides; heaviest first."""

    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"


# A severity's weight in the checklist (the coverage figure and the guide-based priors).
SEVERITY_WEIGHTS = {Severity.CRITICAL: 10, Severity.HIGH: 6, Severity.MEDIUM: 3, Severity.LOW: 1}


class Risk(models.TextChoices):
    """An assessment's risk level, least to most severe ("" is not assessed)."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# The one ranking of risk levels: low 0 … critical 3 (the order of Risk). The offering's
# `current_risk_rank` copy holds these numbers, so changing them needs a data migration.
RISK_ORDER: tuple[str, ...] = tuple(Risk.values)
_RISK_RANKS = {risk: rank for rank, risk in enumerate(RISK_ORDER)}


def risk_rank(risk: str | None) -> int | None:
    """A risk level's place in RISK_ORDER (low 0 … critical 3); None when not assessed."""
    return _RISK_RANKS.get(risk or "")


def risk_direction(old: str | None, new: str | None) -> str:
    """Whether the risk "rose", "fell" or stayed "unchanged"; "" when either side was not
    assessed."""
    if not old or not new:
        return ""
    if old == new:
        return "unchanged"
    return "rose" if _RISK_RANKS[new] > _RISK_RANKS[old] else "fell"


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"
    F = "F", "F"


# Lowest score for each grade and risk level, best first; below the last floor: F, critical.
GRADE_FLOORS = (
    (Decimal(85), Grade.A.value),
    (Decimal(70), Grade.B.value),
    (Decimal(55), Grade.C.value),
    (Decimal(40), Grade.D.value),
)
RISK_FLOORS = (
    (Decimal(80), Risk.LOW.value),
    (Decimal(60), Risk.MEDIUM.value),
    (Decimal(40), Risk.HIGH.value),
)
# Any critical flag caps the grade here (and makes the risk critical).
CRITICAL_CAP = Grade.D.value
# A score resting mostly on missing data cannot earn a good grade or a low risk.
THIN_COVERAGE = Decimal("0.5")
THIN_COVERAGE_CAP = Grade.C.value
THIN_COVERAGE_RISK = Risk.MEDIUM.value


def grade_for(score: Decimal) -> str:
    """The grade a score earns before any cap."""
    return next((grade for floor, grade in GRADE_FLOORS if score >= floor), Grade.F.value)


def risk_for(score: Decimal) -> str:
    """The risk level a score earns before any cap."""
    return next((risk for floor, risk in RISK_FLOORS if score >= floor), Risk.CRITICAL.value)
