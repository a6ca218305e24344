"""Analyst actions on the diligence of an offering: reviews of findings and the review workflow."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from diligence.models import FindingReview, OfferingReview
from diligence.queueing import rescore_enqueue
from diligence.roles import APPROVE_PERMISSION, SUBMIT_PERMISSION
from diligence.rules import RULES
from diligence.vocabulary import Outcome, Severity
from offerings.models import Offering

MIN_NOTE_LENGTH = 10


def finding_review_create(
    *,
    offering: Offering,
    author: Any,
    rule_code: str,
    verdict: str,
    note: str,
    outcome: str | None = None,
    title: str = "",
    severity: str = "",
) -> FindingReview:
    """Confirm or overturn a rule's current finding, or add a manual finding, with a note.

    The review applies to later assessments until the rule's automatic outcome or evidence
    changes; then it is marked for re-review.
    """
    note = (note or "").strip()
    if len(note) < MIN_NOTE_LENGTH:
        raise ValidationError(
            {
                "note": f"a note of at least {MIN_NOTE_LENGTH} characters is required "
                f"(got {len(note)})"
            }
        )
    if verdict not in FindingReview.Verdict.values:
        raise ValidationError({"verdict": f"{verdict!r} is not one of confirm, overturn, manual"})
    review = FindingReview(
        offering=offering, author=author, rule_code=rule_code, verdict=verdict, note=note
    )
    if verdict == FindingReview.Verdict.MANUAL:
        if outcome not in (Outcome.FLAG, Outcome.PASS):
            raise ValidationError({"outcome": f"{outcome!r}: a manual finding is a flag or a pass"})
        if severity not in Severity.values:
            raise ValidationError(
                {"severity": f"{severity!r} is not one of {', '.join(Severity.values)}"}
            )
        if not title.strip():
            raise ValidationError({"title": "a manual finding needs a title"})
        review.rule_code = rule_code if rule_code.startswith("manual.") else f"manual.{rule_code}"
        review.outcome, review.title, review.severity = outcome, title.strip(), severity
    else:
        if rule_code not in RULES:
            raise ValidationError({"rule_code": f"{rule_code!r} is not a checklist rule"})
        assessment = offering.assessments.current().only("findings_json").first()
        finding = assessment.finding(rule_code) if assessment else None
        if finding is None:
            raise ValidationError(
                {"rule_code": f"{offering} has no current finding for {rule_code}"}
            )
        review.outcome_seen, review.evidence_seen = finding.automatic_outcome, finding.evidence
        if verdict == FindingReview.Verdict.CONFIRM:
            review.outcome = review.outcome_seen
        else:
            allowed = {Outcome.PASS, Outcome.FLAG, Outcome.NOT_APPLICABLE} - {review.outcome_seen}
            if outcome not in allowed:
                raise ValidationError(
                    {
                        "outcome": f"{outcome!r}: overturning a {review.outcome_seen!r} finding "
                        f"needs one of {', '.join(sorted(allowed))}"
                    }
                )
            review.outcome = outcome
    review.full_clean()
    with transaction.atomic():
        FindingReview.objects.filter(
            offering=offering,
            rule_code=review.rule_code,
            state__in=[FindingReview.State.ACTIVE, FindingReview.State.NEEDS_REREVIEW],
        ).update(state=FindingReview.State.SUPERSEDED)
        review.save()
        rescore_enqueue(offering_ids=[offering.pk])
    return review


TRANSITIONS = {
    "submit": (OfferingReview.State.DRAFT, OfferingReview.State.IN_REVIEW),
    "approve": (OfferingReview.State.IN_REVIEW, OfferingReview.State.APPROVED),
    "reopen": (None, OfferingReview.State.DRAFT),
}


def last_editor(offering: Offering) -> Any:
    """Who last changed the offering's data (from its change history), or None."""
    record = offering.history.exclude(history_user=None).order_by("-history_date").first()
    return record.history_user if record else None


# Who may take each workflow step (the analyst role submits and reopens; the approver approves).
TRANSITION_PERMISSIONS = {
    "submit": (SUBMIT_PERMISSION,),
    "approve": (APPROVE_PERMISSION,),
    "reopen": (SUBMIT_PERMISSION, APPROVE_PERMISSION),
}


def offering_review_transition(*, offering: Offering, user: Any, action: str) -> OfferingReview:
    """Move an offering through draft → in review → approved (or back to draft).

    Submitting needs the analyst role, approving the approver role; the approver must not be
    the last person who edited the offering or submitted it. An approval records the version
    approved (change-history id and assessment).
    """
    if action not in TRANSITIONS:
        raise ValidationError({"action": f"{action!r} is not one of {', '.join(TRANSITIONS)}"})
    needed = TRANSITION_PERMISSIONS[action]
    if not any(user.has_perm(permission) for permission in needed):
        raise PermissionDenied(
            f"to {action} an offering you need the permission {' or '.join(needed)} "
            f"(the {'approver' if action == 'approve' else 'analyst'} role)"
        )
    source, target = TRANSITIONS[action]
    with transaction.atomic():
        workflow, _ = OfferingReview.objects.select_for_update().get_or_create(offering=offering)
        if source is not None and workflow.state != source:
            raise ValidationError(
                {
                    "state": f"cannot {action} an offering that is "
                    f"{workflow.get_state_display().lower()}"
                }
            )
        if action == "approve":
            editors = {last_editor(offering), workflow.submitted_by}
            if user in editors:
                raise PermissionDenied(
                    "the approver must be someone other than the last editor and the submitter"
                )
            workflow.approved_by = user
            workflow.approved_at = timezone.now()
            latest = offering.history.order_by("-history_date", "-history_id").first()
            workflow.approved_history_id = latest.history_id if latest else None
            workflow.approved_assessment_id = (
                offering.assessments.current().values_list("pk", flat=True).first()
            )
        elif action == "submit":
            workflow.submitted_by, workflow.approved_by = user, None
        else:
            workflow.approved_by = None
        workflow.reopened_reason = ""
        workflow.state = target
        workflow.save()
    return workflow


def offering_reviews_reopen(*, offering_ids: list[int], reason: str) -> int:
    """Send offerings in review or approved back to draft because their facts changed; the
    record of what was approved (approved_history_id, approved_assessment_id) stays."""
    pending = (OfferingReview.State.IN_REVIEW, OfferingReview.State.APPROVED)
    return OfferingReview.objects.filter(offering_id__in=offering_ids, state__in=pending).update(
        state=OfferingReview.State.DRAFT,
        approved_by=None,
        reopened_reason=reason[:300],
        updated_at=timezone.now(),
    )
