"""How a watched offering moved between two assessments: score, risk level and new flags."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from diligence.vocabulary import risk_direction


def new_flags(old: Iterable[str], new: Iterable[str]) -> tuple[str, ...]:
    """Codes flagged now that were not before, in the new assessment's order (heaviest first)."""
    before = set(old)
    return tuple(code for code in new if code not in before)


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
