"""Freezing each offering's assessment as of its sale's end, so the track record judges what
the score said before any outcome was known.

The facts are judged as of the day after the sale's last day (`sale_end_as_of`): the sale has
ended, so rules about the finished sale apply (e.g. a missed soft cap), while no market fact is
used (`market=None`), no venue incident after that day counts and only analyst reviews made
before it apply. The same holds when the freeze runs years later (a TORD import), so a backfill
sees what a freeze on the day would have seen of those facts. Written once, never rewritten:
neither a rescore, nor new market data, nor a later freeze touches it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from diligence.evaluation import Evaluation, ReviewFacts, evaluate
from diligence.facts import CHUNK, OfferingFacts, fact_batches
from diligence.models import Assessment, FindingReview
from diligence.scoring import METHODOLOGY_VERSION
from offerings.models import Offering
from offerings.queries import among_ids
from offerings.status import Status, derive_status

# What would make an as-of-sale-end score know the outcome: nothing after this day is used.
AS_OF_OFFSET = dt.timedelta(days=1)


@dataclass
class FreezeReport:
    frozen: int = 0


def sale_end_as_of(end_date: dt.date) -> dt.date:
    """The day the frozen assessment judges the facts as of: the first day the sale is over
    (on its last day the dates still say the sale is active)."""
    return end_date + AS_OF_OFFSET


def freeze_candidates(
    offerings: QuerySet[Offering] | None = None, *, today: dt.date | None = None
) -> QuerySet[Offering]:
    """Offerings whose sale ended before `today`, not cancelled, with no frozen assessment."""
    today = today or timezone.localdate()
    frozen = Assessment.objects.sale_end().filter(offering=OuterRef("pk"))
    return (
        (offerings if offerings is not None else Offering.objects.all())
        .filter(end_date__lt=today)
        .exclude(declared_status=Status.CANCELLED)
        .exclude(Exists(frozen))
    )


def sale_end_assessments_freeze(
    *,
    offerings: QuerySet[Offering] | None = None,
    today: dt.date | None = None,
    chunk: int = CHUNK,
    progress: Callable[[int], None] | None = None,
) -> FreezeReport:
    """Freeze the as-of-sale-end assessment of every candidate (see freeze_candidates), a
    chunk at a time: the facts of a chunk with 9 queries, its reviews with 1, and one
    transaction writing its assessments and findings. Running it again freezes nothing new."""
    report = FreezeReport()
    candidates = freeze_candidates(offerings, today=today).order_by("pk")
    last_id = 0
    while True:
        rows = list(
            candidates.filter(pk__gt=last_id).values_list("pk", "declared_status", "end_date")[
                :chunk
            ]
        )
        if not rows:
            return report
        last_id = rows[-1][0]
        declared = {pk: status for pk, status, _ in rows}
        as_of = {pk: sale_end_as_of(end_date) for pk, _, end_date in rows}
        ids = [pk for pk, _, _ in rows]
        reviews = _reviews_before(ids, as_of)
        evaluations = []
        for batch in fact_batches(Offering.objects.filter(pk__in=ids), chunk=chunk):
            for facts in batch:
                seen = facts_as_of(facts, as_of[facts.offering_id], declared[facts.offering_id])
                evaluations.append(evaluate(seen, reviews.get(facts.offering_id, ())))
        report.frozen += _write(evaluations, as_of)
        if progress:
            progress(len(rows))


def facts_as_of(facts: OfferingFacts, as_of: dt.date, declared_status: str) -> OfferingFacts:
    """The facts as they stood on `as_of`: no market data, the status the dates give that day
    (unless staff declared one), and no venue incident after that day."""
    venue = facts.venue
    if venue is not None:
        venue = replace(
            venue, incidents=tuple(i for i in venue.incidents if i.occurred_on <= as_of)
        )
    return replace(
        facts,
        today=as_of,
        status=declared_status or derive_status(facts.start_date, facts.end_date, as_of),
        market=None,
        venue=venue,
    )


def _reviews_before(ids: list[int], as_of: dict[int, dt.date]) -> dict[int, list[ReviewFacts]]:
    """The active reviews of each offering made before its as-of day (one query)."""
    reviews: dict[int, list[ReviewFacts]] = defaultdict(list)
    rows = (
        FindingReview.objects.filter(among_ids(ids), state=FindingReview.State.ACTIVE)
        .order_by("created_at", "id")
        .values_list(
            "offering_id",
            "created_at",
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
    for offering_id, created_at, *fields in rows:
        day = as_of.get(offering_id)
        if day is not None and created_at.date() < day:
            reviews[offering_id].append(ReviewFacts(*fields))
    return reviews


def _write(evaluations: list[Evaluation], as_of: dict[int, dt.date]) -> int:
    """Store the frozen assessments and their findings in one transaction; offerings frozen
    meanwhile (a concurrent run) are skipped."""
    if not evaluations:
        return 0
    now = timezone.now()
    with transaction.atomic():
        ids = [e.offering_id for e in evaluations]
        done = set(
            Assessment.objects.sale_end()
            .filter(offering_id__in=ids)
            .values_list("offering_id", flat=True)
        )
        fresh = [e for e in evaluations if e.offering_id not in done]
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
                    is_current=False,
                    kind=Assessment.Kind.SALE_END,
                    as_of=as_of[e.offering_id],
                    findings_json=e.findings_json,
                    unreviewed_flags=e.unreviewed_flags,
                )
                for e in fresh
            ],
            batch_size=1000,
        )
    return len(fresh)
