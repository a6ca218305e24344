"""What needs an analyst's review: flags nobody reviewed, approvals the facts have overtaken,
and reviews whose facts changed since they were written."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from diligence.models import Assessment, FindingReview, OfferingReview

NEEDS_REVIEW_REASONS = {
    "unreviewed_flags": "Flags nobody reviewed",
    "stale_approval": "Approval overtaken by changes",
    "rereview": "Reviews needing re-review",
}


def needs_review(reason: str = "") -> Q:
    """A condition on offerings: the one `reason` of NEEDS_REVIEW_REASONS, or any of them."""
    unreviewed = Exists(
        Assessment.objects.current().filter(offering=OuterRef("pk"), unreviewed_flags=True)
    )
    # Sent back to draft by a change after submission, or approved for an assessment that is
    # no longer current (a rescore moved the score since).
    approval_current = Exists(
        Assessment.objects.filter(pk=OuterRef("approved_assessment_id"), is_current=True)
    )
    stale = Exists(
        OfferingReview.objects.filter(offering=OuterRef("pk")).filter(
            Q(state=OfferingReview.State.DRAFT) & ~Q(reopened_reason="")
            | Q(state=OfferingReview.State.APPROVED) & ~approval_current
        )
    )
    rereview = Exists(
        FindingReview.objects.filter(
            offering=OuterRef("pk"), state=FindingReview.State.NEEDS_REREVIEW
        )
    )
    conditions = {"unreviewed_flags": unreviewed, "stale_approval": stale, "rereview": rereview}
    if reason:
        return Q(conditions[reason])
    return Q(unreviewed) | Q(stale) | Q(rereview)
