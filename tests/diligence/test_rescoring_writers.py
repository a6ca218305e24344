"""On PostgreSQL, outside a transaction, chunks are written by threads while the next is judged."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from diligence import rescoring
from diligence.models import Assessment
from diligence.rescoring import assessments_refresh
from diligence.rules import RULES
from tests.factories import full_offering

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="background writers need PostgreSQL"
    ),
]

TODAY = dt.date(2026, 6, 1)


def _current_digests() -> dict[int, str]:
    return dict(Assessment.objects.current().values_list("offering_id", "digest"))


def test_chunks_written_in_the_background_match_chunks_written_in_a_transaction(monkeypatch):
    for _ in range(5):
        full_offering()
    writers = []
    write = rescoring._chunk_write_in_background

    def spy(evaluations, force):
        writers.append(threading.current_thread().name)
        return write(evaluations, force)

    monkeypatch.setattr(rescoring, "_chunk_write_in_background", spy)
    report = assessments_refresh(today=TODAY, chunk=2)
    assert len(writers) == 3
    assert all(name.startswith("rescore-writer") for name in writers)
    in_background = _current_digests()
    with transaction.atomic():  # a caller's transaction keeps every write in this thread
        forced = assessments_refresh(today=TODAY, chunk=2, force=True)
    assert (report.offerings, report.assessed) == (5, 5)
    assert (forced.offerings, forced.assessed) == (5, 5)
    assert _current_digests() == in_background
    current = Assessment.objects.current()
    assert sum(len(assessment.findings) for assessment in current) == 5 * len(RULES)


def test_an_unchanged_rescore_in_the_background_writes_nothing():
    for _ in range(5):
        full_offering()
    assessments_refresh(today=TODAY, chunk=2)
    report = assessments_refresh(today=TODAY, chunk=2)
    assert (report.assessed, report.unchanged) == (0, 5)
    assert Assessment.objects.count() == 5


def test_a_failed_background_write_reaches_the_caller_and_leaves_no_thread(monkeypatch):
    for _ in range(5):
        full_offering()

    def fail(evaluations, now):
        raise RuntimeError("disk full")

    monkeypatch.setattr(rescoring, "_copy", fail)
    threads = threading.active_count()
    with pytest.raises(RuntimeError, match="disk full"):
        assessments_refresh(today=TODAY, chunk=2)
    assert threading.active_count() == threads
    assert not Assessment.objects.exists()


def test_the_next_chunk_is_read_on_a_thread_while_this_one_is_judged(monkeypatch):
    for _ in range(5):
        full_offering()
    readers = []
    batches = rescoring.fact_batches

    def spy(*args, **kwargs):
        for batch in batches(*args, **kwargs):
            readers.append(threading.current_thread().name)
            yield batch

    monkeypatch.setattr(rescoring, "fact_batches", spy)
    report = assessments_refresh(today=TODAY, chunk=2)
    assert report.offerings == 5
    # The first chunk in this thread; once it was full, the others on the reader.
    assert readers[0] == threading.current_thread().name
    assert readers[1:] and all(name.startswith("rescore-reader") for name in readers[1:])


def test_processes_rescore_runs_of_ids_with_the_same_result_as_one_process():
    offerings = [full_offering() for _ in range(7)]
    one = assessments_refresh(today=TODAY, chunk=2, force=True)
    alone = _current_digests()
    two = assessments_refresh(today=TODAY, chunk=2, force=True, processes=2)
    assert (one.offerings, one.assessed) == (two.offerings, two.assessed) == (7, 7)
    assert _current_digests() == alone
    assert Assessment.objects.count() == 14
    # A queryset narrows what the processes rescore; each process takes part of it.
    some = type(offerings[0]).objects.filter(pk__in=[o.pk for o in offerings[:5]])
    report = assessments_refresh(offerings=some, today=TODAY, chunk=2, force=True, processes=2)
    assert (report.offerings, report.assessed) == (5, 5)
    assert Assessment.objects.count() == 19
    assert Assessment.objects.current().count() == 7
