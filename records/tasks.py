"""Celery tasks: thin wrappers that call the services."""

from __future__ import annotations

import logging

from celery import shared_task

from offerings.models import Offering
from offerings.resilience import ProviderError

logger = logging.getLogger(__name__)


@shared_task
def refresh_sec_litigation() -> dict:
    """Import the SEC's litigation releases (beat, every SEC_LITIGATION_REFRESH_S)."""
    from records.feeds import sec_litigation_refresh
    from records.sec_feed import FeedError

    try:
        report = sec_litigation_refresh()
    except (ProviderError, FeedError) as exc:
        logger.warning("SEC litigation feed not refreshed: %s", exc)
        return {"error": str(exc)}
    return {"entries": report.entries, "created": report.created, "proposed": report.proposed}


@shared_task
def verify_filing(offering_id: int) -> str:
    """Check one offering's claimed filing against EDGAR."""
    from records.edgar import edgar_from_settings
    from records.filings import filing_verify

    offering = Offering.objects.filter(pk=offering_id).first()
    if offering is None:
        return "gone"
    edgar = edgar_from_settings()
    try:
        check = filing_verify(offering=offering, edgar=edgar)
    finally:
        edgar.close()
    return "not checkable" if check is None else ("found" if check.found else "missing")


@shared_task
def verify_due_filings() -> dict:
    """Check the claimed filings not yet checked as worded (beat, daily); nothing without
    EDGAR_USER_AGENT."""
    from django.conf import settings

    from records.edgar import edgar_from_settings
    from records.filings import filing_verify, filings_due

    if not settings.EDGAR_USER_AGENT:
        return {"skipped": "EDGAR_USER_AGENT is not set"}
    due = filings_due()[: settings.EDGAR_CHECKS_PER_RUN]
    edgar = edgar_from_settings()
    done = failed = 0
    try:
        for offering in due:
            try:
                filing_verify(offering=offering, edgar=edgar)
                done += 1
            except ProviderError as exc:
                logger.warning("EDGAR check of %s failed: %s", offering.slug, exc)
                failed += 1
    finally:
        edgar.close()
    return {"checked": done, "failed": failed}
