"""Drill: the worker running an admin import is killed (SIGKILL) while it writes.

The import and its run's report commit in one transaction, so the kill leaves no offering and
the run `running` after one attempt. The task is acknowledged late: once the visibility timeout
passes, a fresh worker takes the message again and runs the import from its kept file, once.
"""

from __future__ import annotations

import json
import re

import psycopg
import pytest
from django.conf import settings
from django.core.files.base import ContentFile

from offerings.models import ImportRun, Offering
from offerings.tasks import import_offerings_run
from tests.factories import UserFactory
from tests.integration.conftest import database_url, wait_for
from tests.integration.test_drills_worker import _waiting_on_lock
from tests.offerings.test_import import good

pytestmark = pytest.mark.usefixtures("postgres")

RECORDS = 40
RECEIVED = re.compile(r"Task offerings\.tasks\.import_offerings_run\[[-0-9a-f]+\] received")
VISIBILITY_TIMEOUT = "5"  # seconds; production keeps the default hour


def test_an_import_whose_worker_is_killed_mid_write_is_redone_once(broker, celery_workers):
    staff = UserFactory(username="importer", is_staff=True, is_superuser=True)
    body = "".join(json.dumps(good(n)) + "\n" for n in range(1, RECORDS + 1))
    run = ImportRun(
        file_name="drill.jsonl", file_size=len(body), format="jsonl", dry_run=False,
        created_by=staff,
    )  # fmt: skip
    run.file.save("drill.jsonl", ContentFile(body.encode()), save=False)
    run.save()
    media = {"DJANGO_MEDIA_ROOT": str(settings.MEDIA_ROOT)}

    # The import inserts the offerings, then waits to write their history: this connection
    # holds the history table until the worker is dead.
    with psycopg.connect(database_url()) as blocker:
        blocker.execute("LOCK TABLE offerings_historicaloffering IN ACCESS EXCLUSIVE MODE")
        doomed = celery_workers(
            broker, "doomed", DRILL_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT, **media
        )
        import_offerings_run.delay(run.pk)
        wait_for(_waiting_on_lock, timeout=60, what="the import to reach its history writes")
        assert len(RECEIVED.findall(doomed.log())) == 1
        doomed.kill()
        blocker.rollback()
    run.refresh_from_db()
    assert (run.state, run.attempts) == ("running", 1)
    assert Offering.objects.count() == 0  # nothing half-written

    fresh = celery_workers(broker, "fresh", DRILL_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT, **media)
    wait_for(
        lambda: ImportRun.objects.get(pk=run.pk).state == "done",
        timeout=90,
        what="the fresh worker to redo the import",
    )
    assert len(RECEIVED.findall(fresh.log())) == 1  # redone once, not twice
    run.refresh_from_db()
    assert (run.attempts, run.report["created"], run.report["written"]) == (2, RECORDS, True)
    assert Offering.objects.count() == RECORDS
    assert run.offerings.count() == RECORDS
