from __future__ import annotations

from celery import shared_task

from diligence.rescoring import assessments_refresh
from offerings.models import Offering


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
