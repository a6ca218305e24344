"""Drill: the broker (our own Redis) stops while the web app serves, then comes back.

Pages keep answering; a change committed while the broker is down is saved, its rescore is
reported in the log and done by the sweep, not dropped; once the broker is back, new changes
are queued and a real worker rescores them.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone

from bench.seed import offerings_seed
from diligence.models import Assessment
from diligence.queueing import offerings_needing_rescore, rescore_sweep
from diligence.rescoring import assessments_refresh
from offerings.models import Offering
from offerings.services import offering_update
from tests.integration.conftest import wait_for


def _assessments(offering: Offering) -> int:
    return Assessment.objects.filter(offering=offering).count()


def test_the_api_keeps_reading_and_writing_while_the_broker_is_down(broker, api, caplog):
    offerings_seed(scale=3)
    assessments_refresh()
    broker.stop()
    assert api.get("/api/v1/offerings/").status_code == 200
    record = {"name": "Broker Down", "slug": "broker-down", "kind": "ico"}
    with caplog.at_level(logging.WARNING, logger="diligence.queueing"):
        response = api.post("/api/v1/offerings/", record)
    assert response.status_code == 201, response.content[:300]
    created = Offering.objects.get(slug="broker-down")
    assert "not queued" in caplog.text and str(created.pk) in caplog.text
    assert rescore_sweep().assessed == 1
    assert Assessment.objects.filter(offering=created, is_current=True).count() == 1


@pytest.mark.usefixtures("postgres")
def test_the_app_keeps_serving_and_loses_no_rescore_while_the_broker_is_down(
    broker, celery_workers, signed_in, caplog
):
    offerings_seed(scale=5)
    assessments_refresh()
    offering = Offering.objects.get(slug="bench-1")
    offering_update(offering=offering, record={"website": "https://drill.example"})
    assert broker.queue_length() == 1  # queued while the broker is up (no worker yet)

    broker.stop()
    assert signed_in.get("/offerings/").status_code == 200
    assert signed_in.get("/offerings/bench-1/").status_code == 200
    before = _assessments(offering)
    with caplog.at_level(logging.WARNING, logger="diligence.queueing"):
        offering_update(offering=offering, record={"website": "http://drill.example"})
    offering.refresh_from_db()
    assert offering.website == "http://drill.example"  # the change itself is saved
    assert "not queued, the broker is unreachable" in caplog.text
    assert str(offering.pk) in caplog.text
    since = timezone.now() - dt.timedelta(hours=1)
    assert list(offerings_needing_rescore(since=since)) == [offering]

    broker.start()  # an empty Redis: the message queued before the stop is gone with it
    worker = celery_workers(broker)
    report = rescore_sweep()  # what celery beat runs every few minutes
    assert report.assessed == 1
    assert _assessments(offering) == before + 1
    assert not offerings_needing_rescore(since=since).exists()

    # Recovered: the next change is queued again and the real worker rescores it.
    offering_update(offering=offering, record={"website": "https://drill.example"})
    wait_for(lambda: _assessments(offering) == before + 2, timeout=60, what="the worker")
    assert "rescore_offerings" in worker.log()
    assert Assessment.objects.filter(offering=offering, is_current=True).count() == 1


def test_on_any_database_a_change_made_while_the_broker_is_down_is_kept_and_swept(
    broker, transactional_db, caplog
):
    offerings_seed(scale=3)
    assessments_refresh()
    offering = Offering.objects.get(slug="bench-2")
    broker.stop()
    with caplog.at_level(logging.WARNING, logger="diligence.queueing"):
        offering_update(offering=offering, record={"website": "http://swept.example"})
    assert Offering.objects.get(pk=offering.pk).website == "http://swept.example"
    assert "not queued" in caplog.text
    assert rescore_sweep().assessed == 1
    assert rescore_sweep().assessed == 0  # done once; the next sweep finds nothing new
    assert Assessment.objects.filter(offering=offering, is_current=True).count() == 1
