"""What changed between two assessments of an offering, in one place.

- `AssessmentChange`: a rescoring's before and after (risk, flags, score, grade), which the
  watchers' notifications and the webhooks announce;
- `movement()`: the watchlist's view of the same, from the current and previous assessment;
- `finding_changes()`: the findings whose outcome or evidence differs, for the detail page.

Risk directions follow diligence.vocabulary's one ranking of risk levels.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from diligence.models import Assessment
from diligence.rules import RULES
from diligence.vocabulary import risk_direction


def new_flags(old: Iterable[str], new: Iterable[str]) -> tuple[str, ...]:
    """Codes flagged now that were not before, in the new assessment's order (heaviest first)."""
    before = set(old)
    return tuple(code for code in new if code not in before)


@dataclass(frozen=True)
class AssessmentChange:
    """An offering's risk, flag codes, score and grade before and after a rescoring ("", ()
    and None before its first assessment)."""

    offering_id: int
    offering_name: str
    old_risk: str
    new_risk: str
    old_flags: Sequence[str]
    new_flags: Sequence[str]
    old_score: Decimal | None = None
    new_score: Decimal | None = None
    old_grade: str = ""
    new_grade: str = ""

    @property
    def risk_direction(self) -> str:
        """ "rose", "fell" or "unchanged"; "" when either side was not assessed."""
        return risk_direction(self.old_risk, self.new_risk)

    @property
    def risk_changed(self) -> bool:
        """An assessed offering's risk level is not what it was (including "not assessed any
        more"); a first assessment is not a change of risk."""
        return bool(self.old_risk) and self.old_risk != self.new_risk

    @property
    def first_assessed(self) -> bool:
        return bool(self.new_risk) and not self.old_risk

    @property
    def no_longer_assessed(self) -> bool:
        return bool(self.old_risk) and not self.new_risk

    @property
    def flags_added(self) -> tuple[str, ...]:
        """Codes flagged now that were not before, heaviest first."""
        return new_flags(self.old_flags, self.new_flags)


@dataclass(frozen=True)
class Movement:
    """The change from the previous assessment to the current one; `assessed_before` is False
    for an offering with a single assessment (nothing to compare)."""

    assessed_before: bool
    previous_score: Decimal | None = None
    previous_risk: str = ""
    score_change: Decimal | None = None
    risk_direction: str = ""
    new_flags: tuple[str, ...] = ()

    @property
    def score_direction(self) -> str:
        """Whether the score went up, down or stayed; "" with no pair of scores to compare."""
        if self.score_change is None:
            return ""
        if self.score_change == 0:
            return "unchanged"
        return "up" if self.score_change > 0 else "down"

    @property
    def score_change_size(self) -> Decimal | None:
        """How far the score moved, whichever way (the direction is said in words)."""
        return None if self.score_change is None else abs(self.score_change)


def movement(
    *,
    score: Decimal | None,
    risk: str | None,
    flags: Iterable[str] | None,
    previous: dict | None,
) -> Movement:
    """Compare the current score, risk and flags with `previous` (an assessment's score, risk
    and flags as a dict, or None when the offering was assessed at most once)."""
    if previous is None:
        return Movement(assessed_before=False)
    previous_score = previous["score"]
    change = None if score is None or previous_score is None else score - previous_score
    return Movement(
        assessed_before=True,
        previous_score=previous_score,
        previous_risk=previous["risk"],
        score_change=change,
        risk_direction=risk_direction(previous["risk"], risk),
        new_flags=new_flags(previous["flags"] or (), flags or ()),
    )


@dataclass(frozen=True)
class FindingChange:
    rule_code: str
    before: str | None  # outcome, None when the rule did not exist before
    after: str | None
    evidence_before: str
    evidence_after: str


def finding_changes(previous: Assessment, current: Assessment) -> list[FindingChange]:
    """Findings whose outcome or evidence differs, in checklist order (no query: the findings
    are part of the assessments)."""
    before = {f.rule_code: f for f in previous.findings}
    after = {f.rule_code: f for f in current.findings}
    order = {code: index for index, code in enumerate(RULES)}
    changes = []
    for code in sorted(before.keys() | after.keys(), key=lambda c: (order.get(c, len(order)), c)):
        old, new = before.get(code), after.get(code)
        if old and new and (old.outcome, old.evidence) == (new.outcome, new.evidence):
            continue
        changes.append(
            FindingChange(
                rule_code=code,
                before=old.outcome if old else None,
                after=new.outcome if new else None,
                evidence_before=old.evidence if old else "",
                evidence_after=new.evidence if new else "",
            )
        )
    return changes
