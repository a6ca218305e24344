"""The SEC litigation releases refresh: fetched from a server shaped like the SEC's, imported,
matched; faults leave the records as they were."""

from __future__ import annotations

import pytest

from records.models import ListImport, PublicRecord, RecordMatch
from records.tasks import refresh_sec_litigation
from tests.factories import OfferingFactory
from tests.records.conftest import USER_AGENT, fixture

pytestmark = pytest.mark.django_db


def test_the_beat_task_imports_the_feed_and_proposes_matches(edgar_settings, edgar_server):
    edgar_server.rss = fixture("litreleases.xml").read_bytes()
    nova = OfferingFactory(name="Nova Chain", website="https://novachain.io", legal_entity="")

    assert refresh_sec_litigation() == {"entries": 2, "created": 2, "proposed": 1}

    record = PublicRecord.objects.get(url__endswith="lr-26001")
    assert record.source == "sec_litigation" and record.fetched_at is not None
    match = RecordMatch.objects.get()
    assert (match.offering, match.record, match.method, match.state) == (
        nova,
        record,
        "domain",
        "proposed",
    )
    imported = ListImport.objects.get()
    assert imported.origin == edgar_settings.SEC_LITIGATION_RSS_URL and imported.entries == 2
    assert edgar_server.requests[0].headers["user-agent"] == USER_AGENT


def test_a_feed_that_keeps_failing_changes_nothing(edgar_settings, edgar_server, monkeypatch):
    monkeypatch.setattr("offerings.resilience.Backoff.delay", lambda self, attempt, ra=None: 0)
    edgar_server.rss = fixture("litreleases.xml").read_bytes()
    edgar_server.fail("/rss/", 503, times=5)

    result = refresh_sec_litigation()

    assert "HTTP 503" in result["error"]
    assert not PublicRecord.objects.exists() and not ListImport.objects.exists()


def test_a_page_that_is_not_the_feed_changes_nothing(edgar_settings, edgar_server):
    edgar_server.rss = b"<html><body>Your request has been blocked</body></html>"
    assert (
        "not XML" in refresh_sec_litigation()["error"]
        or "RSS" in (refresh_sec_litigation()["error"])
    )
    assert not PublicRecord.objects.exists()


def test_the_feed_is_not_fetched_without_a_user_agent(edgar_settings, edgar_server):
    edgar_settings.EDGAR_USER_AGENT = ""
    assert "EDGAR_USER_AGENT" in refresh_sec_litigation()["error"]
    assert edgar_server.requests == []


def test_the_refresh_is_scheduled(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["refresh-sec-litigation"]
    assert schedule["task"] == "records.tasks.refresh_sec_litigation"
    assert schedule["schedule"] == float(settings.SEC_LITIGATION_REFRESH_S)
