"""What a rescoring changed for an offering (AssessmentChange, sent with the
diligence.signals.assessments_changed signal) and the sentences that tell its watchers: the
analyst app writes them as notifications."""

from __future__ import annotations

from enum import StrEnum

from diligence.changes import AssessmentChange
from diligence.rules import RULES


class Kind(StrEnum):
    """The kinds of message a change makes (analyst.models.Notification.Kind spells them too)."""

    RISK_CHANGED = "risk_changed"
    NEW_FLAG = "new_flag"


def change_messages(change: AssessmentChange) -> list[tuple[str, str]]:
    """The (kind, message) pairs a watcher of the offering should receive for `change`.

    A first assessment is one risk notice naming its flag count, not one notice per flag.
    """
    name = change.offering_name
    old, new = change.old_risk or "", change.new_risk or ""
    messages: list[tuple[str, str]] = []
    direction = change.risk_direction
    if direction in ("rose", "fell"):
        messages.append((Kind.RISK_CHANGED, f"Risk of {name} {direction} from {old} to {new}"))
    elif change.first_assessed:
        count = len(change.new_flags)
        flags = f"{count} red flag{'' if count == 1 else 's'}"
        messages.append((Kind.RISK_CHANGED, f"Risk of {name} assessed as {new} ({flags})"))
        return messages
    elif change.no_longer_assessed:
        messages.append(
            (Kind.RISK_CHANGED, f"Risk of {name} can no longer be assessed (was {old})")
        )
    for code in change.flags_added:
        rule = RULES.get(code)
        title = f"{rule.title} ({code})" if rule else code
        messages.append((Kind.NEW_FLAG, f"New red flag on {name}: {title}"))
    return messages
