"""Rescoring queued after a commit, and what happens when the broker cannot take it.

A change commits first and queues its rescore afterwards (`rescore_enqueue`). If the broker is
down at that moment the change is already saved, so the request must not fail for it, and the
rescore must not vanish: the publish failure is logged with the offering ids, and the work stays
recorded in the data itself, as offerings changed after their current assessment.
`rescore_sweep` finds those changed in the last day and rescores them; celery beat runs it
every few minutes (`diligence.queueing.rescore_sweep_task`), so the work is done once the broker
is back. (An edit that changes no finding leaves no new assessment, so such offerings stay
candidates until the window passes: they are evaluated again, never written again. Changes
older than the window, or to a venue or document only, are left to the nightly `rescore`.)

Time alone changes a finding too: `tokens.unlock_overhang` looks UNLOCK_OVERHANG_DAYS ahead, so
an unlock entering that window, or passing, changes it with no edit at all. The sweep also picks
the offerings with an unlock that crossed a window edge after their current assessment
(`offerings_with_moved_unlock_window`). The nightly `rescore` evaluates every offering on the
day's date, so it picks them up as well.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from kombu.exceptions import OperationalError

from diligence.models import Assessment
from diligence.rescoring import RescoreReport, assessments_refresh
from offerings.models import Offering, UnlockEvent

logger = logging.getLogger(__name__)

# A web request waits for these retries at most (about a second) when the broker is down.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.3, "interval_max": 0.5}
# How far back the sweep looks for changes whose rescore was never queued.
SWEEP_WINDOW = dt.timedelta(days=1)


def rescore_enqueue(*, offering_ids: Iterable[int]) -> None:
    """Queue a rescore of the offerings once the current transaction commits."""
    ids = sorted(set(offering_ids))
    if ids:
        transaction.on_commit(lambda: _publish(ids))


def _publish(ids: list[int]) -> None:
    from diligence.tasks import rescore_offerings

    if rescore_offerings.app.conf.task_always_eager:
        rescore_offerings.delay(ids)  # in process: a failure is a bug and must surface
        return
    try:
        rescore_offerings.apply_async((ids,), retry=True, retry_policy=PUBLISH_RETRY)
    except (OperationalError, OSError) as exc:
        logger.warning(
            "rescore of %d offerings not queued, the broker is unreachable (%s); "
            "rescore_sweep will rescore them: ids %s",
            len(ids),
            exc,
            ids[:50],
        )


def offerings_needing_rescore(*, since: dt.datetime) -> QuerySet[Offering]:
    """Offerings changed since `since` and after their current assessment (or never assessed)."""
    assessed_at = Subquery(
        Assessment.objects.current().filter(offering=OuterRef("pk")).values("created_at")[:1]
    )
    return (
        Offering.objects.filter(updated_at__gte=since)
        .annotate(assessed_at=assessed_at)
        .filter(Q(assessed_at__isnull=True) | Q(updated_at__gt=F("assessed_at")))
    )


def offerings_with_moved_unlock_window(
    *, today: dt.date, window: dt.timedelta = SWEEP_WINDOW
) -> set[int]:
    """Offerings with an unlock that entered the overhang window (or left it, by passing) in
    the last `window` and after their current assessment (one query over two date bands)."""
    ahead = dt.timedelta(days=settings.UNLOCK_OVERHANG_DAYS)
    days = dt.timedelta(days=max(window.days, 1))
    assessed_at = Subquery(
        Assessment.objects.current()
        .filter(offering=OuterRef("offering_id"))
        .values("created_at")[:1]
    )
    rows = (
        UnlockEvent.objects.filter(
            Q(date__gte=today - days, date__lt=today)
            | Q(date__gt=today + ahead - days, date__lte=today + ahead)
        )
        .annotate(assessed_at=assessed_at)
        .values_list("offering_id", "date", "assessed_at")
    )
    moved = set()
    for offering_id, date, assessed in rows:
        # The day the event entered the window, or the day after it, when it left.
        crossed = date - ahead if date >= today else date + dt.timedelta(days=1)
        if assessed is None or timezone.localdate(assessed) < crossed:
            moved.add(offering_id)
    return moved


def rescore_sweep(
    *, window: dt.timedelta = SWEEP_WINDOW, today: dt.date | None = None
) -> RescoreReport:
    """Rescore the offerings whose queued rescore never ran, and those whose unlock window
    moved since their assessment (see the module docstring)."""
    today = today or timezone.localdate()
    since = timezone.now() - window
    moved = offerings_with_moved_unlock_window(today=today, window=window)
    offerings = Offering.objects.filter(
        Q(pk__in=offerings_needing_rescore(since=since).values("pk")) | Q(pk__in=sorted(moved))
    )
    return assessments_refresh(offerings=offerings, today=today)


@shared_task(acks_late=True)
def rescore_sweep_task() -> dict[str, int]:
    report = rescore_sweep()
    return {"assessed": report.assessed, "unchanged": report.unchanged}
