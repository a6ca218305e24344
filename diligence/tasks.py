from __future__ import annotations

from celery import shared_task

from diligence.rescoring import assessments_refresh
from offerings.models import Offering


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def rescore_offerings(offering_ids: list[int]) -> dict[str, int]:
    """Rescore the given offerings; a no-op for those whose findings did not change."""
    report = assessments_refresh(offerings=Offering.objects.filter(pk__in=offering_ids))
    return {"assessed": report.assessed, "unchanged": report.unchanged}
