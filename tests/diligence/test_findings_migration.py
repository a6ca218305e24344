"""Migration 0009: finding rows move into their assessment's findings_json, and back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from diligence.models import Assessment
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = "0008_finding_review_partial_index"
INSIDE = "0009_findings_in_the_assessment"


def migrated(target: str):
    """The historical apps after migrating diligence to `target`."""
    executor = MigrationExecutor(connection)
    executor.migrate([("diligence", target)])
    return MigrationExecutor(connection).loader.project_state([("diligence", target)]).apps


def test_findings_move_into_their_assessment_and_back_with_reviews_kept():
    offering, author = OfferingFactory(), UserFactory()
    try:
        apps = migrated(ROWS)
        Assessment0008 = apps.get_model("diligence", "Assessment")
        Finding0008 = apps.get_model("diligence", "Finding")
        Review0008 = apps.get_model("diligence", "FindingReview")
        review = Review0008.objects.create(
            offering_id=offering.pk,
            rule_code="kyc.absent",
            verdict="overturn",
            outcome="pass",
            note="checked by hand",
            author_id=author.pk,
        )
        kept, reviewed = (
            Assessment0008.objects.create(
                offering_id=offering.pk,
                created_at=dt.datetime(2026, 1, day, tzinfo=dt.UTC),
                methodology_version="2.0",
                score=Decimal("50.0"),
                grade="D",
                risk="high",
                coverage=Decimal("1"),
                digest=str(day),
                is_current=day == 2,
            )
            for day in (1, 2)
        )
        rows = [
            ("kyc.absent", "pass", "flag", "kyc: none", 10, "critical", review.pk),
            ("team.anonymous", "flag", "flag", "2 of 2 anonymous \\ \t“tab”", 6, "high", None),
        ]
        for assessment in (kept, reviewed):
            Finding0008.objects.bulk_create(
                Finding0008(
                    assessment_id=assessment.pk,
                    rule_code=code,
                    outcome=outcome,
                    automatic_outcome=automatic,
                    evidence=evidence,
                    weight=weight,
                    severity=severity,
                    review_id=review_id if assessment == reviewed else None,
                )
                for code, outcome, automatic, evidence, weight, severity, review_id in rows
            )

        migrated(INSIDE)
        after = {a.pk: a for a in Assessment.objects.all()}
        stored = [
            (f.rule_code, f.outcome, f.automatic_outcome, f.evidence, f.weight, f.severity)
            for f in after[reviewed.pk].findings
        ]
        assert stored == [row[:6] for row in rows]  # heaviest first
        assert [f.review_id for f in after[reviewed.pk].findings] == [review.pk, None]
        assert [f.review_id for f in after[kept.pk].findings] == [None, None]
        # The unreviewed anonymous-team flag, in both.
        assert after[reviewed.pk].unreviewed_flags and after[kept.pk].unreviewed_flags

        apps = migrated(ROWS)
        Finding0008 = apps.get_model("diligence", "Finding")
        back = Finding0008.objects.filter(assessment_id=reviewed.pk).order_by("-weight")
        assert [
            (
                f.rule_code,
                f.outcome,
                f.automatic_outcome,
                f.evidence,
                f.weight,
                f.severity,
                f.review_id,
            )
            for f in back
        ] == rows
        assert Finding0008.objects.filter(assessment_id=kept.pk).count() == 2
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
