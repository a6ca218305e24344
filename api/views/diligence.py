"""Assessments (history and the latest with every finding), the checklist, finding reviews."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.cursor import page_fetch
from api.idempotency import idempotent
from api.permissions import Denied
from api.problems import Problem, field_errors
from api.schema import (
    IDEMPOTENCY_PARAMETER,
    READ_PROBLEMS,
    SIGNATURE_PARAMETERS,
    WRITE_PROBLEMS,
    problems,
)
from api.serializers import (
    AssessmentDetailSerializer,
    AssessmentPageSerializer,
    ChecklistSerializer,
    ReviewInputSerializer,
    ReviewPageSerializer,
    ReviewSerializer,
)
from api.views.common import PAGE_PARAMETERS, next_link, page_size, params_check
from diligence.history import automatic_findings, finding_reviews_attach
from diligence.methodology import methodology
from diligence.models import Assessment, FindingReview
from diligence.roles import TEAM_PERMISSION, is_team
from diligence.rules import RULES
from diligence.services import finding_review_create
from offerings.amounts import canonical
from offerings.models import Offering


def _decimal(value):
    return None if value is None else canonical(value)


def assessment_summary(assessment: Assessment, *, team: bool = True) -> dict:
    """One assessment; outside the team the flags leave out the analysts' manual findings."""
    return {
        "id": assessment.pk,
        "created_at": assessment.created_at.isoformat(),
        "methodology_version": assessment.methodology_version,
        "score": _decimal(assessment.score),
        "grade": assessment.grade or None,
        "risk": assessment.risk or None,
        "coverage": canonical(assessment.coverage),
        "probability": _decimal(assessment.probability),
        "flags": [code for code in assessment.flags if team or code in RULES],
        "is_current": assessment.is_current,
    }


def _finding(finding) -> dict:
    rule = RULES.get(finding.rule_code)
    review = finding.review
    return {
        "rule_code": finding.rule_code,
        "title": rule.title if rule else (review.title if review else finding.rule_code),
        "category": rule.category if rule else None,
        "severity": finding.severity,
        "weight": finding.weight,
        "points": canonical(finding.points),
        "outcome": finding.outcome,
        "automatic_outcome": finding.automatic_outcome or None,
        "overridden": finding.overridden,
        "evidence": finding.evidence,
        "rationale": rule.rationale if rule else (review.note if review else None),
        "source": rule.source if rule else None,
        "review_id": finding.review_id,
    }


def review_representation(review: FindingReview, slug: str) -> dict:
    return {
        "id": review.pk,
        "offering": slug,
        "rule_code": review.rule_code,
        "verdict": review.verdict,
        "outcome": review.outcome,
        "title": review.title,
        "severity": review.severity,
        "note": review.note,
        "state": review.state,
        "created_at": review.created_at.isoformat(),
    }


class AssessmentList(APIView):
    read_scope = "diligence:read"

    @extend_schema(
        operation_id="assessments_list",
        parameters=PAGE_PARAMETERS,
        responses={200: AssessmentPageSerializer, **problems(*READ_PROBLEMS)},
        summary="An offering's assessments, newest first",
        description=(
            "Every assessment of the offering, newest first: score, grade, risk, coverage "
            "and the methodology version that produced it. Cursor-paginated. Scope "
            "`diligence:read`."
        ),
    )
    def get(self, request, slug: str):
        params_check(request.GET, ("cursor", "page_size"))
        offering = get_object_or_404(Offering.objects.only("pk"), slug=slug)
        assessments = (
            Assessment.objects.rolling()
            .filter(offering=offering)
            .defer("findings_json")  # a page of summaries: the findings are not shown
            .order_by("-created_at", "-id")
        )
        page, cursor = page_fetch(
            assessments, size=page_size(request.GET), cursor=request.GET.get("cursor")
        )
        team = is_team(request.user)
        return Response(
            {
                "results": [assessment_summary(assessment, team=team) for assessment in page],
                "next": next_link(request, cursor),
            }
        )


class AssessmentLatest(APIView):
    read_scope = "diligence:read"

    @extend_schema(
        operation_id="assessments_latest",
        responses={200: AssessmentDetailSerializer, **problems(*READ_PROBLEMS)},
        summary="The current assessment with every finding, its evidence and rationale",
        description=(
            "The offering's current assessment with each rule's outcome, the evidence it "
            "read and the rule's rationale and source. Outside the team, analysts' manual "
            "findings are left out. Scope `diligence:read`."
        ),
    )
    def get(self, request, slug: str):
        params_check(request.GET, ())
        assessment = get_object_or_404(
            Assessment.objects.current().select_related("offering"),
            offering__slug=slug,
            offering__deleted_at__isnull=True,
        )
        findings = assessment.findings
        # The visibility model: reviews, notes and manual findings are the team's (README).
        team = is_team(request.user)
        if team:
            finding_reviews_attach(findings)
        else:
            findings = automatic_findings(findings)
        return Response(
            {
                **assessment_summary(assessment, team=team),
                "offering": assessment.offering.slug,
                "findings": [_finding(finding) for finding in findings],
            }
        )


class Checklist(APIView):
    read_scope = "diligence:read"

    @extend_schema(
        operation_id="checklist",
        responses={200: ChecklistSerializer, **problems(*READ_PROBLEMS)},
        summary="The methodology: every rule's weight, rationale and source",
        description=(
            "The red-flag checklist the assessments apply: for each rule its id, weight, "
            "severity, rationale and public source, with the methodology version. Scope "
            "`diligence:read`."
        ),
    )
    def get(self, request):
        params_check(request.GET, ())
        return Response(methodology())


class ReviewList(APIView):
    """Reviews of one offering's findings: visible to the team (the analyst role and above),
    whoever wrote them; a key whose owner is a viewer is refused."""

    read_scope = "diligence:read"
    write_scope = "diligence:write"

    @extend_schema(
        operation_id="reviews_list",
        parameters=PAGE_PARAMETERS,
        responses={200: ReviewPageSerializer, **problems(*READ_PROBLEMS)},
        summary="The team's reviews of an offering's findings",
    )
    def get(self, request, slug: str):
        params_check(request.GET, ("cursor", "page_size"))
        if not is_team(request.user):
            raise Denied(
                f"reviews are visible to the team: the key's owner needs {TEAM_PERMISSION} "
                "(the analyst role)",
                code="owner_role",
            )
        offering = get_object_or_404(Offering.objects.only("pk", "slug"), slug=slug)
        reviews = FindingReview.objects.filter(offering=offering).order_by("-created_at", "-id")
        page, cursor = page_fetch(
            reviews, size=page_size(request.GET), cursor=request.GET.get("cursor")
        )
        return Response(
            {
                "results": [review_representation(review, slug) for review in page],
                "next": next_link(request, cursor),
            }
        )

    @extend_schema(
        operation_id="reviews_create",
        request=ReviewInputSerializer,
        parameters=[*SIGNATURE_PARAMETERS, IDEMPOTENCY_PARAMETER],
        responses={201: ReviewSerializer, **problems(*WRITE_PROBLEMS, 409, 422)},
        summary="Confirm or overturn a finding, or add a manual one, with a note",
    )
    @idempotent
    def post(self, request, slug: str):
        offering = get_object_or_404(Offering, slug=slug)
        data = ReviewInputSerializer(data=request.data)
        if not data.is_valid():
            raise Problem(
                "the review has invalid values",
                code="validation",
                errors=field_errors(data.errors, request.data),
            )
        values = data.validated_data
        review = finding_review_create(
            offering=offering,
            author=request.user,
            rule_code=values["rule_code"],
            verdict=values["verdict"],
            note=values["note"],
            outcome=values.get("outcome"),
            title=values.get("title", ""),
            severity=values.get("severity", ""),
        )
        return Response(review_representation(review, slug), status=status.HTTP_201_CREATED)
