"""Refreshing the SEC's litigation releases from its RSS feed (celery beat)."""

from __future__ import annotations

from django.conf import settings

from records.edgar import EdgarNotConfigured, sec_guards
from records.http import ResilientFetch
from records.importing import ImportReport, public_records_import
from records.models import ListImport
from records.sec_feed import litigation_entries


def sec_litigation_refresh(*, fetcher: ResilientFetch | None = None) -> ImportReport:
    """Fetch the feed and import its items; ProviderError when the SEC cannot be reached,
    FeedError when what it served is not the feed. The SEC asks for the same identifying
    User-Agent as EDGAR, so the refresh refuses to run without EDGAR_USER_AGENT."""
    url = settings.SEC_LITIGATION_RSS_URL
    owned = fetcher is None
    if owned:
        if "@" not in settings.EDGAR_USER_AGENT:
            raise EdgarNotConfigured(
                "EDGAR_USER_AGENT (a name and contact e-mail) is required to fetch "
                "SEC_LITIGATION_RSS_URL: the SEC refuses anonymous clients"
            )
        limiter, breaker = sec_guards()
        fetcher = ResilientFetch(
            limiter=limiter,
            breaker=breaker,
            headers={"user-agent": settings.EDGAR_USER_AGENT},
            max_retries=settings.EDGAR_MAX_RETRIES,
        )
    try:
        content = fetcher.get(url)
    finally:
        if owned:
            fetcher.close()
    return public_records_import(
        entries=litigation_entries(content),
        source=ListImport.Source.SEC_LITIGATION,
        origin=url,
        content=content,
    )
