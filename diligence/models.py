from __future__ import annotations

import json
from functools import cached_property

from django.conf import settings
from django.db import models
from django.db.models import Q

from diligence.vocabulary import Outcome, Risk, risk_rank
from offerings.models import Offering


class AssessmentQuerySet(models.QuerySet):
    def current(self) -> AssessmentQuerySet:
        return self.filter(is_current=True)

    def rolling(self) -> AssessmentQuerySet:
        """The score history: every rescoring, without the frozen as-of-sale-end assessment."""
        return self.filter(kind=Assessment.Kind.ROLLING)

    def sale_end(self) -> AssessmentQuerySet:
        return self.filter(kind=Assessment.Kind.SALE_END)


class Assessment(models.Model):
    """One scoring of an offering under one methodology version; history is kept.

    A `sale_end` assessment is the score as of the day after the sale ended, without market
    facts, written once and never rewritten: the track record judges it against the outcomes
    recorded since. It is never current and never part of the score history.
    """

    class Kind(models.TextChoices):
        ROLLING = "rolling", "Rescored as the facts change"
        SALE_END = "sale_end", "Frozen as of the sale's end"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="assessments")
    created_at = models.DateTimeField(db_index=True)
    methodology_version = models.CharField(max_length=20)
    score = models.DecimalField(max_digits=4, decimal_places=1, null=True)
    grade = models.CharField(max_length=1, blank=True)
    risk = models.CharField(max_length=8, choices=Risk.choices, blank=True)
    coverage = models.DecimalField(max_digits=4, decimal_places=3)
    probability = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Calibrated chance of the methodology's good outcome (methodology 2.0 on).",
    )
    flags = models.JSONField(default=list, help_text="Codes of the flagged rules, heaviest first.")
    digest = models.CharField(
        max_length=32, help_text="Hash of the findings, to skip no-op rescores."
    )
    # Every finding as a JSON array of [rule_code, outcome, automatic_outcome, evidence, weight,
    # severity, review_id] arrays: one value per assessment costs a rescore far less than a row
    # per finding did (no per-row index entries or foreign-key checks). Plain text rather than
    # jsonb: nothing queries inside it, and PostgreSQL stores text about 2.7x faster.
    findings_json = models.TextField(default="[]")
    unreviewed_flags = models.BooleanField(
        default=False, help_text="Some finding is a red flag no analyst has reviewed."
    )
    is_current = models.BooleanField(default=True)
    # A database default too: the rescoring's COPY names its columns and leaves this one out.
    kind = models.CharField(
        max_length=8, choices=Kind.choices, default=Kind.ROLLING, db_default=Kind.ROLLING.value
    )
    as_of = models.DateField(
        null=True, blank=True, help_text="The day the facts were judged as of (sale_end only)."
    )

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["offering"], condition=Q(is_current=True), name="one_current_assessment"
            ),
            models.UniqueConstraint(
                fields=["offering"], condition=Q(kind="sale_end"), name="one_sale_end_assessment"
            ),
            models.CheckConstraint(
                condition=~Q(kind="sale_end", is_current=True),
                name="sale_end_assessment_never_current",
            ),
        ]
        indexes = [
            models.Index(fields=["offering", "-created_at"]),
            models.Index(fields=["risk"], condition=Q(is_current=True), name="current_risk_idx"),
            models.Index(fields=["score"], condition=Q(is_current=True), name="current_score_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.offering_id}: {self.score} ({self.grade}) at {self.created_at:%Y-%m-%d %H:%M}"
        )

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        if self.is_current:  # the offering keeps a copy of its current score and risk to sort by
            Offering.objects.filter(pk=self.offering_id).update(
                current_score=self.score, current_risk_rank=risk_rank(self.risk)
            )

    @cached_property
    def findings(self) -> list[Finding]:
        """The findings, heaviest first (reviews not attached)."""
        return findings_from_json(self.findings_json)

    def finding(self, rule_code: str) -> Finding | None:
        return next((f for f in self.findings if f.rule_code == rule_code), None)


class Finding:
    """A rule's verdict in one assessment: the automatic outcome, and the analyst's if any.

    Not a table: an assessment keeps its findings in `Assessment.findings_json` (one row per
    assessment instead of one per rule made rescoring write ~36 times fewer rows). `review` is
    None until a reader attaches the reviews (diligence.history.finding_reviews_attach).
    """

    def __init__(
        self,
        rule_code: str,
        outcome: str,
        automatic_outcome: str,
        evidence: str,
        weight: int,
        severity: str,
        review_id: int | None,
    ) -> None:
        self.rule_code, self.outcome, self.automatic_outcome = rule_code, outcome, automatic_outcome
        self.evidence, self.weight, self.severity = evidence, weight, severity
        self.review_id = review_id
        self.review: FindingReview | None = None

    def __str__(self) -> str:
        return f"{self.rule_code}: {self.outcome}"

    def __repr__(self) -> str:
        return f"<Finding {self}>"

    @property
    def points(self):
        """The score points this finding cost under the current methodology."""
        from diligence.scoring import finding_points

        return finding_points(self.rule_code, self.outcome, self.weight)

    @property
    def overridden(self) -> bool:
        return bool(self.automatic_outcome) and self.automatic_outcome != self.outcome

    def get_outcome_display(self) -> str:
        return Outcome(self.outcome).label

    def get_automatic_outcome_display(self) -> str:
        return Outcome(self.automatic_outcome).label if self.automatic_outcome else ""


def findings_from_json(text: str) -> list[Finding]:
    """The findings stored in `Assessment.findings_json`, heaviest first, then by rule code."""
    findings = [Finding(*fields) for fields in json.loads(text)]
    findings.sort(key=_heaviest_first)
    return findings


def _heaviest_first(finding: Finding) -> tuple[int, str]:
    return -finding.weight, finding.rule_code


class FindingReview(models.Model):
    """An analyst's confirmation or reversal of a finding, or a finding the rules cannot see."""

    class Verdict(models.TextChoices):
        CONFIRM = "confirm", "Confirm"
        OVERTURN = "overturn", "Overturn"
        MANUAL = "manual", "Manual finding"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        NEEDS_REREVIEW = "needs_rereview", "Facts changed: needs re-review"
        SUPERSEDED = "superseded", "Superseded by a later review"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="finding_reviews")
    rule_code = models.CharField(max_length=60)
    verdict = models.CharField(max_length=8, choices=Verdict.choices)
    outcome = models.CharField(max_length=14, choices=Outcome.choices)
    title = models.CharField(max_length=200, blank=True, help_text="For manual findings.")
    severity = models.CharField(max_length=8, blank=True, help_text="For manual findings.")
    note = models.TextField()
    outcome_seen = models.CharField(max_length=14, blank=True)
    evidence_seen = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.ACTIVE)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["offering", "state"])]

    def __str__(self) -> str:
        return f"{self.get_verdict_display()} {self.rule_code} by {self.author}"


class OfferingReview(models.Model):
    """Where an offering stands in the analysts' workflow: draft → in review → approved."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        APPROVED = "approved", "Approved"

    offering = models.OneToOneField(Offering, on_delete=models.CASCADE, related_name="workflow")
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    # The version approved (kept after the facts change, to say what the approval was of): the
    # offering's change-history record and its current assessment at the time.
    approved_history_id = models.BigIntegerField(null=True, blank=True)
    # A plain id, not a key: assessments are rebuilt in bulk, and the record must outlive them.
    approved_assessment_id = models.BigIntegerField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    # Why the offering went back to draft by itself: its facts changed while in review/approved.
    reopened_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        permissions = [
            ("submit_offeringreview", "Can submit an offering for approval"),
            ("approve_offeringreview", "Can approve an offering in review"),
        ]

    def __str__(self) -> str:
        return f"{self.offering}: {self.get_state_display()}"


class TrackRecord(models.Model):
    """One computation of the live scoreboard: the frozen as-of-sale-end scores against the
    outcomes recorded since (diligence.track_record.scoreboard), stored so the page reads
    one row."""

    computed_at = models.DateTimeField(db_index=True)
    methodology_version = models.CharField(max_length=20)
    result = models.JSONField()

    class Meta:
        ordering = ["-computed_at", "-id"]
        get_latest_by = "computed_at"

    def __str__(self) -> str:
        return f"track record of {self.computed_at:%Y-%m-%d %H:%M}"
