from __future__ import annotations

from celery import shared_task
from django.conf import settings

from diligence.rescoring import assessments_refresh
from diligence.sale_end import sale_end_assessments_freeze
from diligence.track_record import track_record_refresh
from offerings.models import Offering
from offerings.outcomes import sale_outcomes_derive


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def rescore_offerings(offering_ids: list[int]) -> dict[str, int]:
    """Rescore the given offerings; a no-op for those whose findings did not change."""
    report = assessments_refresh(offerings=Offering.objects.filter(pk__in=offering_ids))
    return {"assessed": report.assessed, "unchanged": report.unchanged}


@shared_task(acks_late=True)
def extract_document_text(document_id: int) -> int:
    """Extract an uploaded PDF's text for the document rules (see document_text_extract)."""
    from diligence.documents import document_text_extract

    return document_text_extract(document_id=document_id)


@shared_task(acks_late=True)
def freeze_sale_end_assessments() -> int:
    """Freeze the as-of-sale-end assessment of every sale that ended and has none yet."""
    return sale_end_assessments_freeze().frozen


@shared_task(acks_late=True)
def track_record_refresh_task() -> dict:
    """Derive the sale outcomes from the market data, then recompute the scoreboard."""
    derived = sale_outcomes_derive()
    record = track_record_refresh()
    return {
        "outcomes_created": derived.created,
        "outcomes_updated": derived.updated,
        "outcomes_removed": derived.removed,
        "labelled": record.result["labelled"],
    }


@shared_task
def fetch_whitepapers() -> int:
    """Queue a fetch of every whitepaper due (never fetched, or not for
    WHITEPAPER_REFETCH_HOURS), at most WHITEPAPER_FETCH_PER_RUN a run; returns how many."""
    from diligence.whitepaper_intake import whitepapers_due

    due = list(whitepapers_due(limit=settings.WHITEPAPER_FETCH_PER_RUN))
    for offering_id in due:
        fetch_whitepaper.delay(offering_id)
    return len(due)


@shared_task(acks_late=True)
def fetch_whitepaper(offering_id: int) -> dict:
    """Fetch, store and index one offering's whitepaper (see whitepaper_fetch)."""
    from diligence.whitepaper_intake import whitepaper_fetch

    result = whitepaper_fetch(offering_id=offering_id)
    return {"outcome": result.outcome, "detail": result.detail}
