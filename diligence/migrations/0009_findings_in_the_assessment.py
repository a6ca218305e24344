"""Findings move from a row each into their assessment (Assessment.findings_json): a rescore of
100,000 offerings wrote 3.6 million rows, each with index entries and a foreign-key check."""

import json
from itertools import groupby

from django.db import DatabaseError, migrations, models, transaction

BATCH = 2000  # assessments per step


def findings_into_assessments(apps, schema_editor):
    Assessment = apps.get_model("diligence", "Assessment")
    Finding = apps.get_model("diligence", "Finding")
    ids = Assessment.objects.order_by("pk").values_list("pk", flat=True)
    last = 0
    while True:
        batch = list(ids.filter(pk__gt=last)[:BATCH])
        if not batch:
            return
        last = batch[-1]
        rows = Finding.objects.filter(assessment_id__in=batch).order_by("assessment_id", "id")
        assessments = []
        for assessment_id, findings in groupby(
            rows.values_list(
                "assessment_id",
                "rule_code",
                "outcome",
                "automatic_outcome",
                "evidence",
                "weight",
                "severity",
                "review_id",
            ),
            key=lambda row: row[0],
        ):
            stored = [list(finding[1:]) for finding in findings]
            assessments.append(
                Assessment(
                    pk=assessment_id,
                    findings_json=json.dumps(stored),
                    unreviewed_flags=any(f[1] == "flag" and f[6] is None for f in stored),
                )
            )
        Assessment.objects.bulk_update(assessments, ["findings_json", "unreviewed_flags"])


def findings_into_rows(apps, schema_editor):
    Assessment = apps.get_model("diligence", "Assessment")
    Finding = apps.get_model("diligence", "Finding")
    FindingReview = apps.get_model("diligence", "FindingReview")
    reviews = set(FindingReview.objects.values_list("pk", flat=True))
    rows = Assessment.objects.order_by("pk").values_list("pk", "findings_json")
    for assessment_id, stored in rows.iterator(chunk_size=BATCH):
        Finding.objects.bulk_create(
            [
                Finding(
                    assessment_id=assessment_id,
                    rule_code=code,
                    outcome=outcome,
                    automatic_outcome=automatic,
                    evidence=evidence,
                    weight=weight,
                    severity=severity,
                    # The rows' SET_NULL: a deleted review leaves no link.
                    review_id=review_id if review_id in reviews else None,
                )
                for code, outcome, automatic, evidence, weight, severity, review_id in json.loads(
                    stored
                )
            ]
        )


def findings_compressed_with_lz4(apps, schema_editor):
    """On PostgreSQL, compress the findings with lz4 where the server has it: stored about
    twice as fast as with the default pglz, for a little more space."""
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute(
                "ALTER TABLE diligence_assessment ALTER COLUMN findings_json SET COMPRESSION lz4"
            )
    except DatabaseError:  # a server built without lz4 keeps pglz
        pass


class Migration(migrations.Migration):
    dependencies = [
        ("diligence", "0008_finding_review_partial_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="findings_json",
            field=models.TextField(default="[]"),
        ),
        migrations.AddField(
            model_name="assessment",
            name="unreviewed_flags",
            field=models.BooleanField(
                default=False, help_text="Some finding is a red flag no analyst has reviewed."
            ),
        ),
        migrations.RunPython(findings_compressed_with_lz4, migrations.RunPython.noop),
        migrations.RunPython(findings_into_assessments, findings_into_rows, elidable=True),
        migrations.DeleteModel(name="Finding"),
    ]
