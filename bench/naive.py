"""The baseline the benchmark compares against: rescoring one offering at a time with save().

Facts are read in bulk exactly as the real rescoring reads them, so the comparison is about the
writes: per offering, one transaction that reads its current assessment and active reviews,
marks the old assessment not current with save(), then saves the new assessment and each
finding with save().
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from diligence.evaluation import ReviewFacts, evaluate
from diligence.facts import facts_for
from diligence.models import Assessment, FindingReview
from diligence.rescoring import RescoreReport
from diligence.scoring import METHODOLOGY_VERSION
from offerings.models import Offering

REVIEW_FIELDS = (
    "id",
    "rule_code",
    "verdict",
    "outcome",
    "title",
    "severity",
    "outcome_seen",
    "evidence_seen",
)


def naive_rescore(offering_ids: list[int], *, today: dt.date) -> RescoreReport:
    """Write a new assessment for each offering, one save() per row."""
    report = RescoreReport()
    for facts in facts_for(Offering.objects.filter(pk__in=offering_ids), today=today):
        with transaction.atomic():
            reviews = [
                ReviewFacts(*row)
                for row in FindingReview.objects.filter(
                    offering_id=facts.offering_id, state=FindingReview.State.ACTIVE
                )
                .order_by("created_at", "id")
                .values_list(*REVIEW_FIELDS)
            ]
            evaluation = evaluate(facts, reviews)
            old = Assessment.objects.filter(offering_id=facts.offering_id, is_current=True).first()
            if old is not None:
                old.is_current = False
                old.save()
            assessment = Assessment(
                offering_id=facts.offering_id,
                created_at=timezone.now(),
                methodology_version=METHODOLOGY_VERSION,
                score=evaluation.score.score,
                grade=evaluation.score.grade,
                risk=evaluation.score.risk,
                coverage=evaluation.score.coverage,
                flags=list(evaluation.flags),
                digest=evaluation.digest,
                findings_json=evaluation.findings_json,
                unreviewed_flags=evaluation.unreviewed_flags,
            )
            assessment.save()
            for review_id in evaluation.stale_reviews:
                review = FindingReview.objects.get(pk=review_id)
                review.state = FindingReview.State.NEEDS_REREVIEW
                review.save()
        report.offerings += 1
        report.assessed += 1
    return report
