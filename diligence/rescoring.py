"""Set-based rescoring: stream facts, judge in Python, write changed assessments in bulk.

Per chunk of offerings: 8 queries read the facts and 1 the active reviews; then one transaction
reads the current digests and, for the offerings whose findings changed, marks the old
assessments not current with one UPDATE and adds the new ones, their findings inside them: on
PostgreSQL with one COPY, elsewhere with multi-row INSERTs. An
offering whose findings did not change keeps its assessment. On PostgreSQL, outside a caller's
transaction, threads write chunks while the next ones are read and judged (see _ChunkWriter).
"""

from __future__ import annotations

import datetime as dt
import gc
import itertools
import json
import multiprocessing
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, connections, transaction
from django.db.models import Q, QuerySet
from django.db.models.sql import Query
from django.utils import timezone

from diligence.changes import AssessmentChange
from diligence.evaluation import Evaluation, ReviewFacts, evaluate
from diligence.facts import CHUNK, OfferingFacts, fact_batches
from diligence.models import Assessment, FindingReview
from diligence.scoring import METHODOLOGY_VERSION
from diligence.signals import assessments_changed
from diligence.vocabulary import risk_rank
from offerings.models import Offering
from offerings.queries import among_ids

ASSESSMENT_COLUMNS = (
    "offering_id",
    "created_at",
    "methodology_version",
    "score",
    "grade",
    "risk",
    "coverage",
    "probability",
    "flags",
    "digest",
    "is_current",
    "findings_json",
    "unreviewed_flags",
)
# Threads writing chunks while the next are evaluated (PostgreSQL, outside a transaction).
WRITERS = 2
# Assessments that go to the server in one piece of COPY data (about 5 MB).
COPY_BLOCK = 1000


@dataclass
class RescoreReport:
    offerings: int = 0
    assessed: int = 0
    unchanged: int = 0
    stale_reviews: int = 0


def assessments_refresh(
    *,
    offerings: QuerySet[Offering] | None = None,
    force: bool = False,
    today: dt.date | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
    processes: int = 1,
) -> RescoreReport:
    """Rescore the offerings (all by default); `force` writes a new assessment even when the
    findings are unchanged (a methodology change does that by itself: it changes the digest).

    With `processes` > 1, on PostgreSQL outside a transaction, that many forked processes each
    rescore a run of consecutive offering ids at once: judging is Python, one core a process.
    (Not from a Celery prefork worker: its processes may not have children.)"""
    if processes > 1 and _may_write_in_background():
        return _refresh_in_processes(
            offerings,
            force=force,
            today=today or timezone.localdate(),
            chunk=chunk,
            progress=progress,
            processes=processes,
        )
    report = RescoreReport()
    with _cycle_collector_paused(), _ChunkWriter(force, report, progress) as writer:
        for batch, reviews in _batches(offerings, today=today, chunk=chunk):
            writer.write(
                [evaluate(facts, reviews.get(facts.offering_id, ())) for facts in batch],
                more_may_follow=len(batch) == chunk,
            )
    return report


def _refresh_in_processes(
    offerings: QuerySet[Offering] | None,
    *,
    force: bool,
    today: dt.date,
    chunk: int,
    progress: Callable[[int], None] | None,
    processes: int,
) -> RescoreReport:
    ids = list(
        (offerings if offerings is not None else Offering.objects.all())
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(ids) <= chunk:  # a single chunk gains nothing from a second process
        return assessments_refresh(
            offerings=offerings, force=force, today=today, chunk=chunk, progress=progress
        )
    cuts = [i * len(ids) // processes for i in range(processes + 1)]
    runs = [(ids[start], ids[end - 1]) for start, end in itertools.pairwise(cuts) if end > start]
    query = offerings.query if offerings is not None else None
    report = RescoreReport()
    connections.close_all()  # a forked process must not share the parent's connection
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max(1, len(runs)), mp_context=context) as pool:
        parts_done = [
            pool.submit(_refresh_run, query, first, last, force, today, chunk)
            for first, last in runs
        ]
        for done in as_completed(parts_done):
            part = done.result()
            report.offerings += part.offerings
            report.assessed += part.assessed
            report.unchanged += part.unchanged
            report.stale_reviews += part.stale_reviews
            if progress:
                progress(part.offerings)
    return report


def _refresh_run(
    query: Query | None, first: int, last: int, force: bool, today: dt.date, chunk: int
) -> RescoreReport:
    """Rescore the offerings of `query` (all when None) with ids from `first` to `last`, in a
    forked process."""
    offerings = Offering.objects.all()
    if query is not None:
        offerings.query = query
    try:
        return assessments_refresh(
            offerings=offerings.filter(pk__range=(first, last)),
            force=force,
            today=today,
            chunk=chunk,
        )
    finally:
        connections.close_all()


Batch = tuple[list[OfferingFacts], dict[int, list[ReviewFacts]]]


def _batches(
    offerings: QuerySet[Offering] | None, *, today: dt.date | None, chunk: int
) -> Iterator[Batch]:
    """Each chunk's facts with its offerings' active reviews. After a full first chunk, on
    PostgreSQL outside a transaction, a thread with a connection of its own reads the next chunk
    while the caller judges and writes this one (the server runs the queries meanwhile)."""
    batches = (
        (batch, _active_reviews(among_ids([facts.offering_id for facts in batch])))
        for batch in fact_batches(offerings, today=today, chunk=chunk)
    )
    first = next(batches, None)
    if first is None:
        return
    yield first
    if len(first[0]) == chunk and _may_write_in_background():
        yield from _read_ahead(batches)
    else:
        yield from batches


def _read_ahead(batches: Iterator[Batch]) -> Iterator[Batch]:
    """The batches, each next one read on a thread while the caller works on the current."""
    with ThreadPoolExecutor(1, thread_name_prefix="rescore-reader") as reader:
        try:
            upcoming = reader.submit(next, batches, None)
            while (batch := upcoming.result()) is not None:
                upcoming = reader.submit(next, batches, None)
                yield batch
        finally:
            reader.submit(connections.close_all).result()


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Rescoring allocates millions of objects that form no reference cycles; the cycle
    collector, scanning them again and again, took a fifth of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _ChunkWriter:
    """Writes evaluated chunks and counts them in the report.

    On PostgreSQL outside a transaction, once a second chunk is likely, WRITERS threads with
    connections of their own write chunks while the next ones are read and evaluated: the
    server stores chunks (COPY, index and foreign-key checks) while Python judges the next.
    Inside a caller's transaction every write stays in it, in this thread.
    """

    def __init__(
        self, force: bool, report: RescoreReport, progress: Callable[[int], None] | None
    ) -> None:
        self.force, self.report, self.progress = force, report, progress
        self.background: ThreadPoolExecutor | None = None
        self.in_flight: deque[tuple[Future[tuple[int, int]], int]] = deque()

    def __enter__(self) -> _ChunkWriter:
        return self

    def write(self, evaluations: list[Evaluation], *, more_may_follow: bool) -> None:
        if self.background is None and more_may_follow and _may_write_in_background():
            self.background = ThreadPoolExecutor(WRITERS, thread_name_prefix="rescore-writer")
        if self.background is None:
            self._count(_chunk_write(evaluations, self.force), len(evaluations))
            return
        if len(self.in_flight) == WRITERS:
            self._collect()
        future = self.background.submit(_chunk_write_in_background, evaluations, self.force)
        self.in_flight.append((future, len(evaluations)))

    def __exit__(self, *exc_info: object) -> None:
        if self.background is None:
            return
        try:
            while self.in_flight:
                self._collect()
        finally:
            self.background.shutdown()

    def _collect(self) -> None:
        """Wait for the oldest chunk in flight (chunks are counted in order)."""
        future, offerings = self.in_flight.popleft()
        self._count(future.result(), offerings)

    def _count(self, written: tuple[int, int], offerings: int) -> None:
        assessed, stale = written
        self.report.offerings += offerings
        self.report.assessed += assessed
        self.report.unchanged += offerings - assessed
        self.report.stale_reviews += stale
        if self.progress:
            self.progress(offerings)


def _may_write_in_background() -> bool:
    # A caller's transaction must hold every write, and its rows are invisible to a second
    # connection until it commits.
    return connection.vendor == "postgresql" and not connection.in_atomic_block


def _chunk_write_in_background(evaluations: list[Evaluation], force: bool) -> tuple[int, int]:
    try:
        return _chunk_write(evaluations, force)
    finally:
        # A connection per chunk: opening one costs milliseconds, writing a chunk a second.
        connections.close_all()


def _chunk_write(evaluations: list[Evaluation], force: bool) -> tuple[int, int]:
    """In one transaction, replace the assessments whose findings changed (all when `force`)
    and mark the reviews whose facts changed; return how many of each."""
    ids = [e.offering_id for e in evaluations]
    with transaction.atomic():
        # Looked up by offering id, so rows of offerings outside the chunk do no harm.
        current = {
            offering_id: (digest, risk, flags, score, grade)
            for offering_id, digest, risk, flags, score, grade in Assessment.objects.current()
            .filter(among_ids(ids))
            .values_list("offering_id", "digest", "risk", "flags", "score", "grade")
        }
        changed = [
            e for e in evaluations if force or current.get(e.offering_id, ("",))[0] != e.digest
        ]
        _write(changed)
        changes = _changes(changed, current)
        # The watchers' notifications and webhooks are the receivers' (analyst, api.webhooks).
        if changes:
            assessments_changed.send(sender=Assessment, changes=changes)
        stale = [review_id for e in evaluations for review_id in e.stale_reviews]
        if stale:
            FindingReview.objects.filter(id__in=stale).update(
                state=FindingReview.State.NEEDS_REREVIEW
            )
    return len(changed), len(stale)


def _changes(changed: list[Evaluation], current: dict[int, tuple]) -> list[AssessmentChange]:
    """What changed for every rescored offering (one query, none when nothing changed)."""
    if not changed:
        return []
    rows = Offering.objects.filter(among_ids(sorted(e.offering_id for e in changed), "pk"))
    names = dict(rows.values_list("pk", "name"))
    before = ("", "", (), None, "")
    changes = [
        _change(e, names.get(e.offering_id, ""), current.get(e.offering_id, before))
        for e in changed
    ]
    return changes


def _change(e: Evaluation, name: str, old: tuple) -> AssessmentChange:
    _, old_risk, old_flags, old_score, old_grade = old
    return AssessmentChange(
        offering_id=e.offering_id,
        offering_name=name,
        old_risk=old_risk,
        new_risk=e.score.risk,
        old_flags=tuple(old_flags or ()),
        new_flags=e.flags,
        old_score=old_score,
        new_score=e.score.score,
        old_grade=old_grade,
        new_grade=e.score.grade,
    )


def _active_reviews(among: Q) -> dict[int, list[ReviewFacts]]:
    reviews: dict[int, list[ReviewFacts]] = defaultdict(list)
    rows = (
        FindingReview.objects.filter(among, state=FindingReview.State.ACTIVE)
        .order_by("created_at", "id")
        .values_list(
            "offering_id",
            "id",
            "rule_code",
            "verdict",
            "outcome",
            "title",
            "severity",
            "outcome_seen",
            "evidence_seen",
        )
    )
    for offering_id, *fields in rows:
        reviews[offering_id].append(ReviewFacts(*fields))
    return reviews


def _write(evaluations: list[Evaluation]) -> None:
    if not evaluations:
        return
    now = timezone.now()
    if connection.vendor == "postgresql":
        _copy(evaluations, now)
    else:
        _insert(evaluations, now)
    _offering_copies_update(evaluations)


def _offering_copies_update(evaluations: list[Evaluation]) -> None:
    """Copy each new assessment's score and risk rank onto its offering (one statement on
    PostgreSQL; offerings whose copy is already right are left untouched)."""
    table = connection.ops.quote_name(Offering._meta.db_table)
    rows = [(e.score.score, risk_rank(e.score.risk), e.offering_id) for e in evaluations]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS o SET current_score = v.score, current_risk_rank = v.rank "
                "FROM unnest(%s::numeric[], %s::smallint[], %s::bigint[]) AS v(score, rank, id) "
                # An unchanged copy is not rewritten: no new row version, no index entries.
                "WHERE o.id = v.id AND (o.current_score IS DISTINCT FROM v.score "
                "OR o.current_risk_rank IS DISTINCT FROM v.rank)",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET current_score = %s, current_risk_rank = %s WHERE id = %s",
                rows,
            )


def _insert(evaluations: list[Evaluation], now: dt.datetime) -> None:
    Assessment.objects.filter(
        offering_id__in=[e.offering_id for e in evaluations], is_current=True
    ).update(is_current=False)
    Assessment.objects.bulk_create(
        [
            Assessment(
                offering_id=e.offering_id,
                created_at=now,
                methodology_version=METHODOLOGY_VERSION,
                score=e.score.score,
                grade=e.score.grade,
                risk=e.score.risk,
                coverage=e.score.coverage,
                probability=e.score.probability,
                flags=list(e.flags),
                digest=e.digest,
                is_current=True,
                findings_json=e.findings_json,
                unreviewed_flags=e.unreviewed_flags,
            )
            for e in evaluations
        ],
        batch_size=1000,
    )


def _copy(evaluations: list[Evaluation], now: dt.datetime) -> None:
    """Replace the current assessments: one UPDATE marks the old ones, one COPY adds the new."""
    assessments = connection.ops.quote_name(Assessment._meta.db_table)
    with connection.cursor() as cursor:
        # A rescore can always be redone, so it need not wait for the WAL to reach the disk.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute(
            f"UPDATE {assessments} SET is_current = false "
            "WHERE is_current AND offering_id = ANY(%s)",
            [[e.offering_id for e in evaluations]],
        )
        columns = ", ".join(ASSESSMENT_COLUMNS)
        with cursor.cursor.copy(f"COPY {assessments} ({columns}) FROM STDIN") as copy:
            for start in range(0, len(evaluations), COPY_BLOCK):
                copy.write(_assessment_rows(evaluations[start : start + COPY_BLOCK], now))


# COPY's text format: tab-separated, \N for NULL, backslash escapes in strings.
_NULL = "\\N"
_BACKSLASH, _TWO_BACKSLASHES = "\\", "\\\\"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    # Most texts need no escape, and testing for one costs a tenth of str.translate.
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def _assessment_rows(evaluations: list[Evaluation], now: dt.datetime) -> str:
    created = now.isoformat()
    return "".join(
        [
            f"{e.offering_id}\t{created}\t{METHODOLOGY_VERSION}\t"
            f"{_NULL if e.score.score is None else e.score.score}\t{e.score.grade}\t"
            f"{e.score.risk}\t{e.score.coverage}\t"
            f"{_NULL if e.score.probability is None else e.score.probability}\t"
            f"{_copy_text(json.dumps(list(e.flags)))}\t{e.digest}\tt\t"
            # The findings' JSON holds no raw tab or newline: only its backslashes need doubling.
            f"{e.findings_json.replace(_BACKSLASH, _TWO_BACKSLASHES)}\t"
            f"{'t' if e.unreviewed_flags else 'f'}\n"
            for e in evaluations
        ]
    )
