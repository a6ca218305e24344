from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from diligence.history import assessment_changes, findings_by_category
from diligence.rules import RULES
from offerings.interchange import PREFETCH
from offerings.models import Offering


@require_GET
@login_required
def offering_detail(request, slug: str):
    offering = get_object_or_404(
        Offering.objects.select_related("venue").prefetch_related(*PREFETCH, "documents"), slug=slug
    )
    assessments = list(offering.assessments.order_by("-created_at", "-id")[:20])
    current = assessments[0] if assessments else None
    findings = list(current.findings.select_related("review__author")) if current else []
    changes = assessment_changes(assessments[1], current) if len(assessments) > 1 else []
    return render(
        request,
        "offerings/offering_detail.html",
        {
            "offering": offering,
            "assessment": current,
            "assessments": assessments,
            "categories": findings_by_category(findings),
            "changes": changes,
            "rules": RULES,
        },
    )
