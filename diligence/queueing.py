"""Rescoring queued after a commit, and what happens when the broker cannot take it.

A change commits first and queues its rescore afterwards (`rescore_enqueue`). If the broker is
down at that moment the change is already saved, so the request must not fail for it, and the
rescore must not vanish: the publish failure is logged with the offering ids, and the work stays
recorded in the data itself, as offerings changed, reviewed or given a document after their
current assessment. `rescore_sweep` finds those changed in the last day, extracts the text of
uploaded PDFs whose extraction never ran, and rescores them; celery beat runs it every few
minutes (`diligence.queueing.rescore_sweep_task`), so the work is done once the broker is back.
Every rescore is queued through `rescore_enqueue`, and a PDF's text extraction through
`document_text_extraction_enqueue`; nothing else calls `.delay()` on them. (A change that
changes no finding leaves no new assessment, so such offerings stay candidates until the window
passes: they are evaluated again, never written again; an unreadable PDF is tried again each
sweep within the window. Changes older than the window, or to a venue only, are left to the
nightly `rescore`.)

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
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from kombu.exceptions import OperationalError

from diligence.models import Assessment, FindingReview
from diligence.rescoring import RescoreReport, assessments_refresh
from offerings.models import Document, Offering, UnlockEvent

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

    _send(rescore_offerings, (ids,), what=f"rescore of {len(ids)} offerings", ids=ids)


def document_text_extraction_enqueue(*, document_id: int) -> None:
    """Queue the text extraction of an uploaded PDF once the current transaction commits (a
    broker failure is logged; `rescore_sweep` extracts it, then rescores its offering)."""
    from diligence.tasks import extract_document_text

    transaction.on_commit(
        lambda: _send(
            extract_document_text,
            (document_id,),
            what="text extraction of 1 document",
            ids=[document_id],
        )
    )


def _send(task, args: tuple, *, what: str, ids: list[int]) -> None:
    if task.app.conf.task_always_eager:
        task.delay(*args)  # in process: a failure is a bug and must surface
        return
    try:
        task.apply_async(args, retry=True, retry_policy=PUBLISH_RETRY)
    except (OperationalError, OSError) as exc:
        logger.warning(
            "%s not queued, the broker is unreachable (%s); rescore_sweep will do it: ids %s",
            what,
            exc,
            ids[:50],
        )


def offerings_needing_rescore(*, since: dt.datetime) -> QuerySet[Offering]:
    """Offerings changed, reviewed or given a document since `since` and after their current
    assessment (or never assessed): a review or a document leaves `updated_at` alone."""
    assessed_at = Subquery(
        Assessment.objects.current().filter(offering=OuterRef("pk")).values("created_at")[:1]
    )
    after = OuterRef("assessed_at")
    reviewed = FindingReview.objects.filter(offering=OuterRef("pk"), created_at__gte=since)
    documented = Document.objects.filter(offering=OuterRef("pk"), uploaded_at__gte=since)
    return Offering.objects.annotate(assessed_at=assessed_at).filter(
        (
            Q(updated_at__gte=since)
            & (Q(assessed_at__isnull=True) | Q(updated_at__gt=F("assessed_at")))
        )
        | Exists(reviewed.filter(created_at__gt=after))
        | Exists(documented.filter(uploaded_at__gt=after))
        | (Q(assessed_at__isnull=True) & (Exists(reviewed) | Exists(documented)))
    )


def documents_needing_text(*, since: dt.datetime) -> QuerySet[Document]:
    """Uploaded PDFs since `since` without text, uploaded after their offering's current
    assessment (their extraction may never have been queued)."""
    assessed_at = Subquery(
        Assessment.objects.current()
        .filter(offering=OuterRef("offering_id"))
        .values("created_at")[:1]
    )
    return (
        Document.objects.filter(uploaded_at__gte=since, text="")
        .exclude(file="")
        .annotate(assessed_at=assessed_at)
        .filter(Q(assessed_at__isnull=True) | Q(uploaded_at__gt=F("assessed_at")))
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
    """Rescore the offerings whose queued rescore never ran (extracting first the text of
    their PDFs whose extraction never ran), and those whose unlock window moved since their
    assessment (see the module docstring)."""
    from diligence.documents import document_text_extract

    today = today or timezone.localdate()
    since = timezone.now() - window
    for document_id in documents_needing_text(since=since).values_list("pk", flat=True):
        document_text_extract(document_id=document_id)
    moved = offerings_with_moved_unlock_window(today=today, window=window)
    offerings = Offering.objects.filter(
        Q(pk__in=offerings_needing_rescore(since=since).values("pk")) | Q(pk__in=sorted(moved))
    )
    return assessments_refresh(offerings=offerings, today=today)


@shared_task(acks_late=True)
def rescore_sweep_task() -> dict[str, int]:
    report = rescore_sweep()
    return {"assessed": report.assessed, "unchanged": report.unchanged}
