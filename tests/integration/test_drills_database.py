"""Drill: the PostgreSQL connection dies (pg_terminate_backend) mid-request, mid-import and
mid-rescore. The request fails cleanly and the next one is served; a batch rolls back whole
and a re-run completes it, with no duplicates."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import DatabaseError, InterfaceError, close_old_connections, connection

from bench.seed import TODAY, offerings_seed
from diligence import rescoring
from diligence.models import Assessment
from diligence.rules import RULES
from offerings.models import Offering, TeamMember
from tests.integration.conftest import backend_terminate

pytestmark = pytest.mark.usefixtures("postgres")

# What a server error page must never show the visitor.
LEAKS = ("Traceback", "psycopg", "terminating connection", "OperationalError", "SELECT ")


def kill_at_first_query(matching: str) -> tuple[Callable, list[str]]:
    """An execute wrapper that kills this connection's backend just before the first query
    whose SQL contains `matching`, and lets the query run into the dead connection."""
    killed: list[str] = []

    def wrapper(execute, sql, params, many, context):
        if not killed and matching in sql:
            killed.append(sql)
            backend_terminate(context["connection"].connection.info.backend_pid)
        return execute(sql, params, many, context)

    return wrapper, killed


@pytest.mark.parametrize("page", ["/offerings/", "/offerings/bench-3/"])
def test_a_request_whose_connection_is_killed_fails_cleanly_and_the_next_is_served(signed_in, page):
    offerings_seed(scale=10)
    wrapper, killed = kill_at_first_query('FROM "offerings_offering"')
    with connection.execute_wrapper(wrapper):
        response = signed_in.get(page)
    assert killed, "the drill never reached the offerings query"
    assert response.status_code == 500
    body = response.content.decode()
    assert not [leak for leak in LEAKS if leak in body], body[:500]

    # At the end of a request Django's handler drops a connection that had errors (the test
    # client leaves that step out, so it is done here); the next request reconnects.
    close_old_connections()
    assert signed_in.get(page).status_code == 200


def test_an_api_request_whose_connection_is_killed_gets_a_clean_problem(api):
    offerings_seed(scale=10)
    wrapper, killed = kill_at_first_query('FROM "offerings_offering"')
    with connection.execute_wrapper(wrapper):
        response = api.get("/api/v1/offerings/")
    assert killed
    assert response.status_code == 500
    body = response.content.decode()
    assert not [leak for leak in LEAKS if leak in body], body[:500]
    close_old_connections()
    assert api.get("/api/v1/offerings/").status_code == 200


def _records(count: int) -> list[dict]:
    return [
        {
            "name": f"Drill Import {number}",
            "slug": f"drill-import-{number}",
            "symbol": f"DI{number}",
            "kind": "ico",
            "team": [{"name": f"Member {number}-{n}", "role": "CTO"} for n in range(3)],
        }
        for number in range(count)
    ]


def test_an_import_whose_connection_is_killed_writes_nothing_and_a_rerun_completes(tmp_path):
    path = tmp_path / "offerings.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in _records(300)))
    # Mid-batch: the 300 offerings are inserted, their team members are next.
    wrapper, killed = kill_at_first_query('INSERT INTO "offerings_teammember"')
    with connection.execute_wrapper(wrapper), pytest.raises((DatabaseError, InterfaceError)):
        call_command("import_offerings", str(path), "--no-progress")
    assert killed
    connection.close()  # as a new process would: start from a fresh connection
    assert Offering.objects.count() == 0
    assert TeamMember.objects.count() == 0

    call_command("import_offerings", str(path), "--no-progress")
    assert Offering.objects.count() == 300
    assert Offering.objects.values("slug").distinct().count() == 300
    assert TeamMember.objects.count() == 900


def test_a_rescore_whose_connection_is_killed_rolls_back_that_chunk_and_a_rerun_completes(
    monkeypatch,
):
    offerings_seed(scale=150)
    write = rescoring._write
    calls, killed_ids, lock = [], [], threading.Lock()

    def killing_write(evaluations):
        with lock:
            calls.append(len(evaluations))
            second = len(calls) == 2
        if second:  # the second chunk, in whichever thread writes it
            killed_ids.extend(e.offering_id for e in evaluations)
            backend_terminate(connection.connection.info.backend_pid)
        return write(evaluations)

    monkeypatch.setattr(rescoring, "_write", killing_write)
    with pytest.raises((DatabaseError, InterfaceError)):
        rescoring.assessments_refresh(today=TODAY, chunk=50)
    assert killed_ids
    connection.close()

    # The killed chunk rolled back whole; what other chunks wrote is complete.
    assert not Assessment.objects.filter(offering_id__in=killed_ids).exists()
    assert _findings_per_assessment() <= {len(RULES)}
    monkeypatch.setattr(rescoring, "_write", write)

    report = rescoring.assessments_refresh(today=TODAY, chunk=50)
    assert report.offerings == 150
    # Chunks that had committed are unchanged; the rest got their one assessment.
    assert Assessment.objects.count() == 150
    assert Assessment.objects.current().count() == 150
    assert Assessment.objects.values("offering").distinct().count() == 150
    assert _findings_per_assessment() == {len(RULES)}


def _findings_per_assessment() -> set[int]:
    return {len(assessment.findings) for assessment in Assessment.objects.all()}
