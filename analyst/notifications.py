"""Telling the analysts who watch an offering what happened to it: a rescoring moved its risk or
flagged it, its contract changed. Set-based: one query finds the watchers of every changed
offering, one bulk insert writes their notifications (in batches when there are very many)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from analyst.models import Notification, Watch
from diligence.changes import AssessmentChange
from diligence.notifications import change_messages

MESSAGE_LENGTH = Notification._meta.get_field("message").max_length
WRITE_BATCH = 1000


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
    return Notification.objects.bulk_create(notifications, batch_size=WRITE_BATCH)


def contract_notifications(changes: dict[int, list[dict]], names: dict[int, str]) -> int:
    """One notification per watcher of each offering whose contract changed (two queries);
    returns how many were written."""
    if not changes:
        return 0
    watchers = Watch.objects.filter(offering_id__in=list(changes)).values_list(
        "offering_id", "user_id"
    )
    messages = {
        pk: f"Contract of {names.get(pk, pk)} changed: " + "; ".join(d["summary"] for d in diffs)
        for pk, diffs in changes.items()
    }
    written = Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                offering_id=offering_id,
                kind=Notification.Kind.CONTRACT_CHANGED,
                message=messages[offering_id][:MESSAGE_LENGTH],
            )
            for offering_id, user_id in watchers.order_by("offering_id", "user_id")
        ],
        batch_size=WRITE_BATCH,
    )
    return len(written)
