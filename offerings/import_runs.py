"""Imports started from the admin: a dry run first, then the real import as a Celery task.

The same importer and the same size limit as `manage.py import_offerings`. A run's import and
its report commit in one transaction, so a worker killed mid-way leaves nothing written and the
run `running`; the task is redelivered (acks late) and starts the run again from the file, up to
IMPORT_MAX_ATTEMPTS times, after which the run is marked failed with the reason.
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from offerings.formats import MAX_IMPORT_BYTES, read_csv, read_jsonl
from offerings.importing import ImportReport, offerings_import
from offerings.models import ImportRun, Offering
from offerings.tord import open_tord, read_tord

logger = logging.getLogger(__name__)

IMPORT_PERMISSIONS = ("offerings.add_offering", "offerings.change_offering")
# A run a worker started this many times without finishing is failed, not tried again.
IMPORT_MAX_ATTEMPTS = 3
# Progress is kept in the cache (shared by web and workers through Redis in production): the
# import's own writes stay invisible until its transaction commits.
PROGRESS_KEY = "offerings:import-run:{}:progress"
PROGRESS_TTL = 24 * 3600
# While rows are read the bar moves to this share; building and writing fill the rest.
READ_SHARE = 90
TORD_HEADER_COLUMNS = frozenset({"is_ico", "ico_start", "token_for_sale"})


def import_size_limit() -> int:
    return getattr(settings, "OFFERWATCH_MAX_IMPORT_BYTES", MAX_IMPORT_BYTES)


def import_permitted(user: Any) -> bool:
    return bool(getattr(user, "is_staff", False)) and user.has_perms(IMPORT_PERMISSIONS)


def import_format_detect(*, file_name: str, head: bytes) -> str | None:
    """The format of a file from its name and first line: jsonl, csv or tord (None: unknown)."""
    suffix = Path(file_name).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return ImportRun.Format.JSONL
    if suffix == ".csv":
        header = head.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
        columns = {column.strip().strip('"') for column in header.split(",")}
        return ImportRun.Format.TORD if columns & TORD_HEADER_COLUMNS else ImportRun.Format.CSV
    return None


def import_run_start(
    *, user: Any, upload: UploadedFile, file_format: str = "", partial: bool = False
) -> ImportRun:
    """Keep the uploaded file with a new dry run and queue it; the dry run writes nothing."""
    if not import_permitted(user):
        raise PermissionDenied("importing offerings needs the add and change offering permissions")
    limit = import_size_limit()
    if upload.size > limit:
        raise ValidationError(
            {
                "file": f"file ({upload.name!r}, {upload.size:,} bytes) is larger than the "
                f"import limit of {limit:,} bytes (OFFERWATCH_MAX_IMPORT_MB); split it"
            }
        )
    head = upload.read(4096)
    upload.seek(0)
    detected = file_format or import_format_detect(file_name=upload.name, head=head)
    if detected not in ImportRun.Format.values:
        raise ValidationError(
            {
                "format": f"format of {upload.name!r} cannot be told from its name; choose "
                f"one of {', '.join(ImportRun.Format.values)}"
            }
        )
    with transaction.atomic():
        run = ImportRun(
            file_name=Path(upload.name).name[:255],
            file_size=upload.size,
            format=detected,
            partial=partial,
            dry_run=True,
            created_by=user,
        )
        run.file.save(Path(upload.name).name, upload, save=False)
        run.save()
        _queue(run)
    return run


def import_run_confirm(*, user: Any, dry_run: ImportRun) -> ImportRun:
    """The real import of a dry run's file, with the dry run's choices; queued as a task."""
    if not import_permitted(user):
        raise PermissionDenied("importing offerings needs the add and change offering permissions")
    if not dry_run.dry_run or dry_run.state != ImportRun.State.DONE:
        raise ValidationError({"run": f"run {dry_run.pk} is not a finished dry run"})
    if not import_run_confirmable(dry_run):
        raise ValidationError(
            {
                "run": f"the dry run of {dry_run.file_name!r} rejected rows and the import is "
                "all-or-nothing: fix the file, or start again choosing a partial import"
            }
        )
    with transaction.atomic():
        run = ImportRun.objects.create(
            file=dry_run.file.name,
            file_name=dry_run.file_name,
            file_size=dry_run.file_size,
            format=dry_run.format,
            partial=dry_run.partial,
            dry_run=False,
            checked_by_run=dry_run,
            created_by=user,
        )
        _queue(run)
    return run


def import_run_confirmable(run: ImportRun) -> bool:
    """A finished dry run whose import would write something: the file reads to its end, and
    no row is rejected unless the import is partial."""
    report = run.report or {}
    if not run.dry_run or run.state != ImportRun.State.DONE or report.get("unreadable"):
        return False
    return run.partial or not report.get("rejected")


def _queue(run: ImportRun) -> None:
    from offerings.tasks import import_offerings_run

    def publish() -> None:
        try:
            import_offerings_run.delay(run.pk)
        except (OperationalError, OSError) as exc:  # the broker is down
            logger.warning("import run %s not queued: %s", run.pk, exc)
            ImportRun.objects.filter(pk=run.pk, state=ImportRun.State.QUEUED).update(
                state=ImportRun.State.FAILED,
                failure=f"could not be queued, the task queue is unreachable ({exc}); "
                "nothing was written: upload the file again",
                finished_at=timezone.now(),
            )

    transaction.on_commit(publish)


def import_run_execute(*, run_id: int) -> ImportRun:
    """Run an import (dry or real) to its end, or fail it with the reason; idempotent: a
    finished run is returned as it is, a run left running by a killed worker starts again."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().select_related("created_by").get(pk=run_id)
        if run.finished:
            return run
        if run.attempts >= IMPORT_MAX_ATTEMPTS:
            return _fail(
                run,
                f"a worker started this run {run.attempts} times and stopped each time before "
                "it finished (killed, or out of time); nothing was written",
            )
        run.attempts += 1
        run.state = ImportRun.State.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["attempts", "state", "started_at"])
    _progress_set(run.pk, 0)
    try:
        with transaction.atomic():
            report = _import(run)
            run.report = import_report_summary(report)
            run.state = ImportRun.State.DONE
            run.finished_at = timezone.now()
            run.save(update_fields=["report", "state", "finished_at"])
            if report.written and report.slugs:
                ids = Offering.objects.filter(slug__in=report.slugs).values_list("pk", flat=True)
                run.offerings.set(list(ids))
    except Exception as exc:  # a bug or a soft time limit: fail the run, write nothing
        logger.exception("import run %s failed", run.pk)
        return _fail(
            run,
            f"the import stopped with an error ({type(exc).__name__}: {exc}); nothing was written",
        )
    _progress_set(run.pk, 100)
    return run


def _fail(run: ImportRun, reason: str) -> ImportRun:
    run.state = ImportRun.State.FAILED
    run.failure = reason
    run.finished_at = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(
        state=run.state, failure=reason, finished_at=run.finished_at
    )
    return run


def _import(run: ImportRun) -> ImportReport:
    path = Path(run.file.path)
    with ExitStack() as open_files:
        if run.format == ImportRun.Format.TORD:
            lines = open_tord(path)
            rows, total = read_tord(lines), max(len(lines) - 1, 1)
        else:
            total = max(_line_count(path) - (run.format == ImportRun.Format.CSV), 1)
            stream = open_files.enter_context(path.open(encoding="utf-8-sig", newline=""))
            rows = read_jsonl(stream) if run.format == ImportRun.Format.JSONL else read_csv(stream)
        if run.rows_total != total:
            ImportRun.objects.filter(pk=run.pk).update(rows_total=total)
            run.rows_total = total
        return offerings_import(
            rows=rows,
            partial=run.partial,
            dry_run=run.dry_run,
            lenient=run.format == ImportRun.Format.TORD,
            user=run.created_by,
            change_reason=f"import run {run.pk} ({run.file_name})"[:100],
            progress=_Progress(run.pk, total),
        )


def _line_count(path: Path) -> int:
    count = 0
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            count += block.count(b"\n")
    return count + 1


class _Progress:
    """The importer's per-row callback: writes the share read to the cache about 100 times."""

    def __init__(self, run_id: int, total: int) -> None:
        self.run_id, self.total, self.done, self.shown = run_id, total, 0, -1

    def __call__(self, rows: int) -> None:
        self.done += rows
        percent = min(READ_SHARE * self.done // self.total, READ_SHARE)
        if percent != self.shown:
            self.shown = percent
            _progress_set(self.run_id, percent)


def _progress_set(run_id: int, percent: int) -> None:
    cache.set(PROGRESS_KEY.format(run_id), percent, PROGRESS_TTL)


def import_run_progress(run: ImportRun) -> int:
    """How far a run is, in percent: 100 once it is finished, whatever the cache says."""
    if run.finished:
        return 100
    if run.state == ImportRun.State.QUEUED:
        return 0
    return min(int(cache.get(PROGRESS_KEY.format(run.pk)) or 0), 99)


def import_report_summary(report: ImportReport) -> dict[str, Any]:
    """What a run keeps and offers for download: the importer's report, with `rejected` (rows
    refused for errors) and `unreadable` (the file itself could not be read to its end)."""
    return {
        **report.as_dict(),
        "rejected": report.bad_rows,
        "unreadable": report.unreadable,
    }
