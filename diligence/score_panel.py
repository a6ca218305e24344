"""The score as the admin's change form shows it after a save: the current assessment, and
what changed since the one before it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from diligence.models import Assessment

# The form asks this many times (once a second) for a rescore that is queued on a worker.
POLL_TRIES = 20


@dataclass
class ScorePanel:
    offering_id: int
    current: Assessment | None
    previous: Assessment | None
    saved_at: dt.datetime | None = None
    # The rescore of the save has written its assessment (or there was no save to wait for).
    landed: bool = True
    flags_added: list[str] = field(default_factory=list)
    flags_removed: list[str] = field(default_factory=list)

    @property
    def score_change(self) -> Decimal | None:
        if not self.current or not self.previous:
            return None
        if self.current.score is None or self.previous.score is None:
            return None
        return self.current.score - self.previous.score


def score_panel(*, offering_id: int, saved_at: dt.datetime | None = None) -> ScorePanel:
    """The current and previous rolling assessments (one query), and whether an assessment
    written at or after `saved_at` has landed."""
    latest = list(
        Assessment.objects.rolling()
        .filter(offering_id=offering_id)
        .only("id", "score", "grade", "risk", "coverage", "flags", "created_at", "is_current")
        .order_by("-created_at", "-id")[:2]
    )
    current = latest[0] if latest and latest[0].is_current else None
    previous = latest[1] if len(latest) > 1 else None
    panel = ScorePanel(offering_id=offering_id, current=current, previous=previous)
    if saved_at is not None:
        panel.saved_at = saved_at
        panel.landed = current is not None and current.created_at >= saved_at
    if current and previous and panel.landed:
        panel.flags_added = [code for code in current.flags if code not in previous.flags]
        panel.flags_removed = [code for code in previous.flags if code not in current.flags]
    return panel
