"""Telling the analysts who watch an offering that a rescoring moved its risk or flagged it.

Set-based: one query finds the watchers of every changed offering, one bulk insert writes
their notifications (in batches when there are very many).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from diligence.changes import AssessmentChange
from diligence.rules import RULES
from offerings.models import Notification, Watch

MESSAGE_LENGTH = Notification._meta.get_field("message").max_length
Kind = Notification.Kind


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


def notifications_for(changes: Iterable[AssessmentChange]) -> list[Notification]:
    """Create the notifications of every user watching an offering in `changes`.

    Two queries at most (the watchers, then one bulk insert), none when nothing changed.
    """
    messages = {change.offering_id: change_messages(change) for change in changes}
    messages = {offering_id: pairs for offering_id, pairs in messages.items() if pairs}
    if not messages:
        return []
    watchers: dict[int, list[int]] = defaultdict(list)
    rows = Watch.objects.filter(offering_id__in=messages).values_list("offering_id", "user_id")
    for offering_id, user_id in rows.order_by("offering_id", "user_id"):
        watchers[offering_id].append(user_id)
    # Reversed: the list shows newest (highest id) first, and the risk notice leads.
    notifications = [
        Notification(
            user_id=user_id, offering_id=offering_id, kind=kind, message=message[:MESSAGE_LENGTH]
        )
        for offering_id, user_ids in watchers.items()
        for user_id in user_ids
        for kind, message in reversed(messages[offering_id])
    ]
    return Notification.objects.bulk_create(notifications, batch_size=1000)
