"""Imports in the browser's admin: the upload, the dry run's problems by line, the real import
as a task, its progress and report, who may do it, and what a killed worker leaves."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from offerings import import_runs
from offerings.import_runs import (
    IMPORT_MAX_ATTEMPTS,
    import_format_detect,
    import_run_execute,
    import_run_progress,
)
from offerings.models import ImportRun, Offering
from tests.conftest import otp_verified_login
from tests.factories import UserFactory
from tests.offerings.test_import import good

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:offerings_offering_import")
BAD_ROWS = [
    good(1),
    {**good(2), "kind": "xyz"},
    good(3),
    {**good(4), "soft_cap": "lots", "start_date": "31/02/2025"},
]


def jsonl_upload(records: list[dict], name: str = "research.jsonl") -> SimpleUploadedFile:
    body = "".join(json.dumps(record) + "\n" for record in records)
    return SimpleUploadedFile(name, body.encode(), content_type="application/x-ndjson")


def run_url(run: ImportRun, view: str = "run") -> str:
    return reverse(f"admin:offerings_import_{view}", args=[run.pk])


def upload(client, capture, records, mode: str = "all", **extra):
    with capture(execute=True):
        response = client.post(
            IMPORT, {"file": jsonl_upload(records), "format": "", "mode": mode, **extra}
        )
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportRun.objects.latest("id")


def test_a_dry_run_lists_every_problem_by_line_and_writes_nothing(
    staff_client, django_capture_on_commit_callbacks
):
    run = upload(staff_client, django_capture_on_commit_callbacks, BAD_ROWS)
    assert (run.dry_run, run.state) == (True, "done")
    assert not Offering.objects.exists()
    page = staff_client.get(run_url(run))
    content = page.content.decode()
    rows = [(e["row"], e["field"]) for e in page.context["errors"]]
    assert sorted(rows) == [(2, "kind"), (4, "soft_cap"), (4, "start_date")]
    assert "<td>2</td><td>kind</td><td><code>xyz</code></td><td>must be one of" in content
    assert 'value="100"' in content  # the bar is full
    assert "This all-or-nothing import would write nothing" in content
    assert "Import for real" not in content
    assert (run.report["rejected"], run.report["written"]) == (2, False)


def test_an_all_or_nothing_dry_run_with_bad_rows_cannot_be_confirmed(
    staff_client, django_capture_on_commit_callbacks
):
    run = upload(staff_client, django_capture_on_commit_callbacks, BAD_ROWS)
    response = staff_client.post(run_url(run, "confirm"), follow=True)
    assert "fix the file, or start again choosing a partial import" in response.content.decode()
    assert ImportRun.objects.count() == 1
    assert not Offering.objects.exists()


def test_a_partial_import_writes_the_good_rows_and_reports_the_rest(
    staff, staff_client, django_capture_on_commit_callbacks
):
    dry = upload(staff_client, django_capture_on_commit_callbacks, BAD_ROWS, mode="partial")
    assert "Import for real" in staff_client.get(run_url(dry)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(run_url(dry, "confirm"))
    real = ImportRun.objects.latest("id")
    assert response.url == run_url(real)
    assert (real.dry_run, real.state, real.checked_by_run) == (False, "done", dry)
    assert sorted(Offering.objects.values_list("name", flat=True)) == ["Aurora 1", "Aurora 3"]
    assert set(real.offerings.values_list("name", flat=True)) == {"Aurora 1", "Aurora 3"}
    content = staff_client.get(run_url(real)).content.decode()
    assert "Imported: the offerings are written" in content
    report = json.loads(staff_client.get(run_url(real, "report")).content)
    assert {key: report[key] for key in ("created", "updated", "unchanged", "rejected")} == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 2,
    }
    assert report["started_by"] == staff.username and report["file"] == "research.jsonl"
    assert [e["row"] for e in report["errors"]] == [2, 4, 4]
    # Each offering's history names the run and links to it.
    offering = Offering.objects.get(name="Aurora 1")
    assert offering.history.get().history_change_reason == f"import run {real.pk} (research.jsonl)"
    history = staff_client.get(reverse("admin:offerings_offering_history", args=[offering.pk]))
    assert f'href="{run_url(real)}"' in history.content.decode()


def test_the_same_file_again_reports_unchanged_rows(
    staff_client, django_capture_on_commit_callbacks
):
    records = [good(1), good(2)]
    for _ in range(2):
        dry = upload(staff_client, django_capture_on_commit_callbacks, records)
        with django_capture_on_commit_callbacks(execute=True):
            staff_client.post(run_url(dry, "confirm"))
    assert ImportRun.objects.latest("id").report["unchanged"] == 2
    assert Offering.objects.count() == 2


def test_a_csv_is_recognised_and_a_tord_file_by_its_header():
    assert import_format_detect(file_name="a.csv", head=b"name,symbol,kind\n") == "csv"
    assert import_format_detect(file_name="t.csv", head=b"\xef\xbb\xbfid,name,is_ico\n") == "tord"
    assert import_format_detect(file_name="a.jsonl", head=b"{}") == "jsonl"
    assert import_format_detect(file_name="a.xlsx", head=b"PK") is None


def test_a_file_over_the_size_limit_is_refused_before_it_is_kept(staff_client, settings):
    settings.OFFERWATCH_MAX_IMPORT_BYTES = 100
    response = staff_client.post(IMPORT, {"file": jsonl_upload(BAD_ROWS), "mode": "all"})
    assert response.status_code == 200
    assert "is larger than the import limit of 100 bytes" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_whose_format_cannot_be_told_is_refused(staff_client):
    data = {"file": SimpleUploadedFile("offerings.xlsx", b"PK\x03\x04"), "mode": "all"}
    response = staff_client.post(IMPORT, data)
    assert "cannot be told from its name" in response.content.decode()


def test_only_staff_with_add_and_change_permissions_may_import(client):
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_offering"))
    otp_verified_login(client, clerk)
    assert client.get(IMPORT).status_code == 403
    assert client.post(IMPORT, {"file": jsonl_upload([good(1)]), "mode": "all"}).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="add_offering"))
    assert client.get(IMPORT).status_code == 403
    clerk.user_permissions.add(Permission.objects.get(codename="change_offering"))
    assert client.get(IMPORT).status_code == 200
    assert not ImportRun.objects.exists()


def test_the_changelist_links_to_the_import_page(staff_client):
    content = staff_client.get(reverse("admin:offerings_offering_changelist")).content.decode()
    assert f'href="{IMPORT}"' in content


# Session, user and OTP device, and the ten latest runs with who started them.
# -1 since the user is kept between requests (accounts.auth_cache).
IMPORT_PAGE_QUERIES = 3
# Session, user and OTP device, and the run with who started it.
# -1 since the user is kept between requests (accounts.auth_cache).
IMPORT_STATUS_QUERIES = 3


def test_the_import_page_and_the_status_have_pinned_query_counts(
    staff_client, django_capture_on_commit_callbacks, django_assert_num_queries
):
    run = upload(staff_client, django_capture_on_commit_callbacks, BAD_ROWS)
    upload(staff_client, django_capture_on_commit_callbacks, [good(1)])
    with django_assert_num_queries(IMPORT_PAGE_QUERIES):
        assert staff_client.get(IMPORT).status_code == 200
    with django_assert_num_queries(IMPORT_STATUS_QUERIES):
        fragment = staff_client.get(run_url(run, "progress"), headers={"HX-Request": "true"})
    assert 'id="import-status"' in fragment.content.decode()
    assert "<html" not in fragment.content.decode()
    with django_assert_num_queries(IMPORT_STATUS_QUERIES):
        assert staff_client.get(run_url(run)).status_code == 200


def test_a_queued_run_polls_its_progress_and_a_finished_one_stops(staff):
    run = ImportRun.objects.create(
        file="imports/x.jsonl", file_name="x.jsonl", file_size=1, format="jsonl", created_by=staff
    )
    assert import_run_progress(run) == 0
    run.state = "running"
    import_runs._progress_set(run.pk, 45)
    assert import_run_progress(run) == 45
    run.state = "done"
    assert import_run_progress(run) == 100


# ---- a worker killed mid-way, or an error: nothing half-written -----------------------------


def _queued_run(staff, records, *, dry_run: bool = False) -> ImportRun:
    run = ImportRun(
        file_name="research.jsonl",
        file_size=1,
        format="jsonl",
        dry_run=dry_run,
        created_by=staff,
    )
    run.file.save("research.jsonl", jsonl_upload(records), save=False)
    run.save()
    return run


class WorkerKilled(BaseException):
    """What a SIGKILL looks like from inside: the import stops where it is, nothing runs after."""


def test_a_worker_killed_mid_import_leaves_no_rows_and_the_redelivered_task_finishes(
    staff, monkeypatch
):
    run = _queued_run(staff, [good(n) for n in range(1, 6)])
    real_progress = import_runs._Progress

    class Killed(real_progress):
        def __call__(self, rows: int) -> None:
            super().__call__(rows)
            if self.done == 3:
                raise WorkerKilled

    monkeypatch.setattr(import_runs, "_Progress", Killed)
    with pytest.raises(WorkerKilled):
        import_run_execute(run_id=run.pk)
    run.refresh_from_db()
    assert (run.state, run.attempts) == ("running", 1)
    assert not Offering.objects.exists()  # the import's transaction never committed
    monkeypatch.setattr(import_runs, "_Progress", real_progress)
    # The broker redelivers the message (acks late): the run starts again from its file.
    from offerings.tasks import import_offerings_run

    assert import_offerings_run.run(run.pk) == {"run": run.pk, "state": "done"}
    run.refresh_from_db()
    assert (run.state, run.attempts, run.report["created"]) == ("done", 2, 5)
    assert Offering.objects.count() == 5
    # A duplicate delivery after the end changes nothing.
    assert import_offerings_run.run(run.pk)["state"] == "done"
    assert Offering.objects.count() == 5
    assert ImportRun.objects.get(pk=run.pk).attempts == 2


def test_an_error_mid_import_fails_the_run_with_its_reason_and_writes_nothing(staff, monkeypatch):
    run = _queued_run(staff, [good(n) for n in range(1, 4)])

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(import_runs, "offerings_import", broken)
    run = import_run_execute(run_id=run.pk)
    assert run.state == "failed"
    assert "RuntimeError: disk full" in run.failure and "nothing was written" in run.failure
    assert ImportRun.objects.get(pk=run.pk).state == "failed"
    assert not Offering.objects.exists()


def test_a_run_that_keeps_killing_its_worker_is_failed_after_the_last_attempt(staff):
    run = _queued_run(staff, [good(1)])
    ImportRun.objects.filter(pk=run.pk).update(state="running", attempts=IMPORT_MAX_ATTEMPTS)
    run = import_run_execute(run_id=run.pk)
    assert run.state == "failed"
    assert f"started this run {IMPORT_MAX_ATTEMPTS} times" in run.failure
    assert not Offering.objects.exists()


def test_a_run_that_cannot_be_queued_says_so(
    staff_client, django_capture_on_commit_callbacks, monkeypatch
):
    from kombu.exceptions import OperationalError

    from offerings.tasks import import_offerings_run

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(import_offerings_run, "delay", refuse)
    run = upload(staff_client, django_capture_on_commit_callbacks, [good(1)])
    run.refresh_from_db()
    assert run.state == "failed"
    assert "the task queue is unreachable" in run.failure


def test_a_tord_file_is_read_leniently_with_its_warnings_by_line(
    staff_client, django_capture_on_commit_callbacks
):
    header = "id,name,token,country,is_ico,is_ieo,is_sto,ico_start,ico_end,raised_usd,Source"
    rows = [
        "1,Winsshi,WNS,India,1,0,0,2020-08-10,2020-12-31,500000,ICObench",
        "2,Quartz,QRT,Atlantis,1,0,0,2021-01-05,2021-02-01,lots,ICObench",
    ]
    body = "\n".join([header, *rows]) + "\n"
    upload = SimpleUploadedFile("tord_sample.csv", body.encode("utf-8-sig"))
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(IMPORT, {"file": upload, "format": "", "mode": "all"})
    run = ImportRun.objects.get()
    assert response.url == run_url(run)
    assert (run.format, run.state, run.report["rejected"]) == ("tord", "done", 0)
    warned = {(w["row"], w["field"]) for w in run.report["warnings"]}
    assert {(3, "country"), (3, "raised_usd")} <= warned
    assert "Import for real" in staff_client.get(run_url(run)).content.decode()
