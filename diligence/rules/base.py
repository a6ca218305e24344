"""What a checklist rule is, what it returns, and the registry of all rules."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from diligence.facts import OfferingFacts
from diligence.vocabulary import (
    FLAG,
    NOT_APPLICABLE,
    PASS,
    SEVERITY_WEIGHTS,
    UNKNOWN,
    Severity,
)


class Result(NamedTuple):
    """A rule's verdict on one offering and the facts that decided it, quoted."""

    outcome: str  # one of vocabulary.Outcome's values
    evidence: str


# 36 verdicts per offering: a named tuple built by tuple.__new__ costs a third of a dataclass.
_new = tuple.__new__


def passed(evidence: str) -> Result:
    return _new(Result, (PASS, evidence))


def flagged(evidence: str) -> Result:
    return _new(Result, (FLAG, evidence))


def unknown(evidence: str) -> Result:
    return _new(Result, (UNKNOWN, evidence))


def not_applicable(evidence: str) -> Result:
    return _new(Result, (NOT_APPLICABLE, evidence))


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    category: str
    severity: Severity
    rationale: str
    source: str
    check: Callable[[OfferingFacts], Result]
    weight: int = 0

    def __post_init__(self) -> None:
        if not self.weight:
            object.__setattr__(self, "weight", SEVERITY_WEIGHTS[self.severity])


RULES: dict[str, Rule] = {}

CATEGORIES = {
    "team": "Team and issuer",
    "documents": "Documents and claims",
    "sale": "Sale terms",
    "tokens": "Token economics",
    "product": "Product and technology",
    "venue": "Venue",
    "community": "Community and communication",
    "market": "Market",
    "contract": "Contract",
    "legal": "Legal and public records",
}


def rule(
    *,
    code: str,
    title: str,
    category: str,
    severity: Severity,
    rationale: str,
    source: str,
    weight: int = 0,
) -> Callable[[Callable[[OfferingFacts], Result]], Callable[[OfferingFacts], Result]]:
    """Register a check function as a checklist rule."""
    if category not in CATEGORIES:
        raise ValueError(f"rule {code}: unknown category {category!r}")

    def register(check: Callable[[OfferingFacts], Result]) -> Callable[[OfferingFacts], Result]:
        if code in RULES:
            raise ValueError(f"rule {code} is registered twice")
        RULES[code] = Rule(code, title, category, severity, rationale, source, check, weight)
        return check

    return register


def amount(value) -> str:
    """Amounts as people read them in evidence: 1,500,000 or 0.05."""
    return format(value.normalize(), ",f")
