"""Drill: a Celery worker is killed (SIGKILL) in the middle of a rescoring batch.

The task is acknowledged late, so the message stays unacknowledged in the broker; once the
visibility timeout passes, a fresh worker takes it and does the batch once: one assessment per
offering, no duplicates.
"""

from __future__ import annotations

import re

import psycopg
import pytest

from bench.seed import offerings_seed
from diligence.models import Assessment
from diligence.tasks import rescore_offerings
from offerings.models import Offering
from tests.integration.conftest import database_url, wait_for

pytestmark = pytest.mark.usefixtures("postgres")

SCALE = 300
RECEIVED = re.compile(r"Task diligence\.tasks\.rescore_offerings\[[-0-9a-f]+\] received")
VISIBILITY_TIMEOUT = "5"  # seconds; production keeps the default hour (longer than any task)


def _waiting_on_lock() -> bool:
    """Whether a backend of the test database waits for a lock (asked from a connection of
    its own: a transaction sees one frozen snapshot of pg_stat_activity)."""
    with psycopg.connect(database_url(), autocommit=True) as observer:
        query = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        return observer.execute(query).fetchone()[0] > 0


def test_a_batch_whose_worker_is_killed_is_redone_once_by_a_fresh_worker(broker, celery_workers):
    offerings_seed(scale=SCALE)
    ids = list(Offering.objects.values_list("pk", flat=True))

    # The batch reads and judges every offering, then waits to write: this connection holds
    # the assessments table until the worker is dead.
    with psycopg.connect(database_url()) as blocker:
        blocker.execute("LOCK TABLE diligence_assessment IN ACCESS EXCLUSIVE MODE")
        doomed = celery_workers(broker, "doomed", DRILL_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT)
        rescore_offerings.delay(ids)
        wait_for(_waiting_on_lock, timeout=60, what="the batch to reach its writes")
        assert len(RECEIVED.findall(doomed.log())) == 1
        doomed.kill()
        blocker.rollback()
    assert Assessment.objects.count() == 0
    assert "succeeded" not in doomed.log()

    fresh = celery_workers(broker, "fresh", DRILL_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT)
    wait_for(lambda: "succeeded" in fresh.log(), timeout=90, what="the fresh worker to redo it")
    assert len(RECEIVED.findall(fresh.log())) == 1  # redone once, not twice
    assert broker.queue_length() == 0
    assert Assessment.objects.count() == SCALE
    assert Assessment.objects.current().count() == SCALE
    assert Assessment.objects.values("offering").distinct().count() == SCALE
