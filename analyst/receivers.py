"""How the web UI hears of changes: the signals of offerings and diligence, connected when the
app is ready (AnalystConfig.ready), so that neither layer knows the analyst app exists."""

from __future__ import annotations

from typing import Any


def notify_assessment_changes(sender: Any, changes: list, **kwargs: Any) -> int:
    """A rescoring moved an offering's risk or flagged it: tell its watchers."""
    from analyst.notifications import notifications_for

    return len(notifications_for(changes))


def notify_contract_changes(
    sender: Any, changes: dict[int, list[dict]], names: dict[int, str] | None = None, **kwargs: Any
) -> int:
    """A contract re-check found changes: tell the watchers; returns how many were told."""
    from analyst.notifications import contract_notifications

    return contract_notifications(changes, names or {})


def forget_watches(sender: Any, offering: Any, **kwargs: Any) -> None:
    """A soft-deleted offering left every reader: nobody watches it any more."""
    from analyst.models import Watch

    Watch.objects.filter(offering=offering).delete()


def connect() -> None:
    from diligence.signals import assessments_changed
    from offerings.signals import contract_changed, offering_deleted

    assessments_changed.connect(notify_assessment_changes, dispatch_uid="analyst.assessments")
    contract_changed.connect(notify_contract_changes, dispatch_uid="analyst.contract")
    offering_deleted.connect(forget_watches, dispatch_uid="analyst.forget_watches")
