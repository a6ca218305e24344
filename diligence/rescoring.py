"""Set-based rescoring: stream facts, judge in Python, write changed assessments in bulk.

Per chunk of offerings: 8 queries to read facts, 2 to read current assessments and active
reviews, then one UPDATE, one multi-row INSERT of assessments and one COPY (PostgreSQL) or
multi-row INSERT of findings, all in one transaction. An offering whose findings did not change
keeps its assessment.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from diligence.evaluation import Evaluation, ReviewFacts, evaluate
from diligence.facts import CHUNK, fact_batches
from diligence.models import Assessment, Finding, FindingReview
from diligence.scoring import METHODOLOGY_VERSION
from offerings.models import Offering

FINDING_COLUMNS = (
    "assessment_id",
    "rule_code",
    "outcome",
    "automatic_outcome",
    "evidence",
    "weight",
    "severity",
    "review_id",
)


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
) -> RescoreReport:
    """Rescore the offerings (all by default); `force` writes a new assessment even when the
    findings are unchanged (a methodology change does that by itself: it changes the digest)."""
    report = RescoreReport()
    for batch in fact_batches(offerings, today=today, chunk=chunk):
        ids = [facts.offering_id for facts in batch]
        with transaction.atomic():
            current = dict(
                Assessment.objects.current()
                .filter(offering_id__in=ids)
                .values_list("offering_id", "digest")
            )
            reviews = _active_reviews(ids)
            evaluations = [evaluate(facts, reviews.get(facts.offering_id, ())) for facts in batch]
            changed = [e for e in evaluations if force or current.get(e.offering_id) != e.digest]
            _write(changed)
            stale = [review_id for e in evaluations for review_id in e.stale_reviews]
            if stale:
                FindingReview.objects.filter(id__in=stale).update(
                    state=FindingReview.State.NEEDS_REREVIEW
                )
        report.offerings += len(batch)
        report.assessed += len(changed)
        report.unchanged += len(batch) - len(changed)
        report.stale_reviews += len(stale)
        if progress:
            progress(len(batch))
    return report


def _active_reviews(ids: list[int]) -> dict[int, list[ReviewFacts]]:
    reviews: dict[int, list[ReviewFacts]] = defaultdict(list)
    rows = (
        FindingReview.objects.filter(offering_id__in=ids, state=FindingReview.State.ACTIVE)
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
    Assessment.objects.filter(
        offering_id__in=[e.offering_id for e in evaluations], is_current=True
    ).update(is_current=False)
    assessments = Assessment.objects.bulk_create(
        [
            Assessment(
                offering_id=e.offering_id,
                created_at=now,
                methodology_version=METHODOLOGY_VERSION,
                score=e.score.score,
                grade=e.score.grade,
                risk=e.score.risk,
                coverage=e.score.coverage,
                flags=list(e.flags),
                digest=e.digest,
                is_current=True,
            )
            for e in evaluations
        ],
        batch_size=1000,
    )
    rows = (
        (
            assessment.pk,
            f.rule_code,
            f.outcome,
            f.automatic_outcome,
            f.evidence,
            f.weight,
            f.severity,
            f.review_id,
        )
        for assessment, e in zip(assessments, evaluations, strict=True)
        for f in e.findings
    )
    _insert_findings(rows)


def _insert_findings(rows: Iterable[tuple]) -> None:
    if connection.vendor == "postgresql":
        _copy_findings(rows)
        return
    table = connection.ops.quote_name(Finding._meta.db_table)
    placeholders = ", ".join(["%s"] * len(FINDING_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(FINDING_COLUMNS)}) VALUES ({placeholders})",
            list(rows),
        )


# COPY's text format: tab-separated, \N for NULL, backslash escapes in strings.
_NULL = "\\N"
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_findings(rows: Iterable[tuple]) -> None:
    """Stream the rows to PostgreSQL with COPY, formatted here in bulk rather than row by row."""
    table = connection.ops.quote_name(Finding._meta.db_table)
    copy_sql = f"COPY {table} ({', '.join(FINDING_COLUMNS)}) FROM STDIN"
    lines = [
        f"{a}\t{code}\t{outcome}\t{automatic}\t{evidence.translate(_COPY_ESCAPES)}\t{weight}\t"
        f"{severity}\t{_NULL if review is None else review}\n"
        for a, code, outcome, automatic, evidence, weight, severity, review in rows
    ]
    with connection.cursor() as cursor:
        # A rescore can always be redone, so it need not wait for the WAL to reach the disk.
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        with cursor.cursor.copy(copy_sql) as copy:
            for start in range(0, len(lines), 20000):
                copy.write("".join(lines[start : start + 20000]))
