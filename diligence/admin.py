from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from celery import current_app
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from diligence.models import Assessment, FindingReview, OfferingReview
from diligence.review_queue import NEEDS_REVIEW_REASONS, needs_review
from diligence.score_panel import POLL_TRIES, score_panel
from diligence.selectors import offerings_with_assessment
from diligence.vocabulary import RISK_ORDER
from offerings.admin import OfferingAdmin
from offerings.models import Offering


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    """Assessments are computed, never edited: the admin only shows them."""

    list_display = [
        "offering",
        "score",
        "grade",
        "risk",
        "coverage",
        "methodology_version",
        "created_at",
        "is_current",
    ]
    list_filter = ["is_current", "risk", "grade", "methodology_version"]
    list_select_related = ["offering"]
    search_fields = ["offering__name", "offering__symbol"]
    date_hierarchy = "created_at"
    exclude = ["findings_json"]
    readonly_fields = ["findings_table"]

    def get_queryset(self, request):
        # The list shows no findings; one assessment's page reads them with one more query.
        return super().get_queryset(request).defer("findings_json")

    @admin.display(description="Findings")
    def findings_table(self, assessment: Assessment) -> str:
        """The findings as the old inline listed them (they are part of the assessment)."""
        columns = ("rule_code", "outcome", "automatic_outcome", "weight", "severity", "evidence")
        return format_html(
            "<table><thead><tr>{}<th>review</th></tr></thead><tbody>{}</tbody></table>",
            format_html_join("", "<th>{}</th>", ((column,) for column in columns)),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
                "<td>{}</td></tr>",
                (
                    (*(getattr(finding, column) for column in columns), finding.review_id or "-")
                    for finding in assessment.findings
                ),
            ),
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(FindingReview)
class FindingReviewAdmin(admin.ModelAdmin):
    list_display = ["offering", "rule_code", "verdict", "outcome", "state", "author", "created_at"]
    list_filter = ["verdict", "state"]
    list_select_related = ["offering", "author"]
    search_fields = ["offering__name", "rule_code", "note"]
    readonly_fields = [
        "offering",
        "rule_code",
        "verdict",
        "outcome",
        "title",
        "severity",
        "note",
        "outcome_seen",
        "evidence_seen",
        "author",
        "created_at",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # reviews are made through the service, which validates and rescores


@admin.register(OfferingReview)
class OfferingReviewAdmin(admin.ModelAdmin):
    list_display = ["offering", "state", "submitted_by", "approved_by", "updated_at"]
    list_filter = ["state"]
    list_select_related = ["offering", "submitted_by", "approved_by"]
    readonly_fields = [
        "offering",
        "state",
        "submitted_by",
        "approved_by",
        "updated_at",
        "approved_at",
        "approved_history_id",
        "approved_assessment_id",
        "reopened_reason",
    ]

    def has_add_permission(self, request) -> bool:
        return False


class RiskFilter(admin.SimpleListFilter):
    title = "risk"
    parameter_name = "risk"

    def lookups(self, request, model_admin):
        return [(risk, risk.title()) for risk in RISK_ORDER] + [("none", "Not assessed")]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(score__isnull=True)
        return queryset.filter(risk=self.value()) if self.value() else queryset


class NeedsReviewFilter(admin.SimpleListFilter):
    """The analysts' preset: offerings with unreviewed flags, an approval overtaken by
    changes, or reviews needing re-review."""

    title = "needs review"
    parameter_name = "needs_review"

    def lookups(self, request, model_admin):
        return [("any", "Needs review (any reason)"), *NEEDS_REVIEW_REASONS.items()]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "any":
            return queryset.filter(needs_review())
        if value in NEEDS_REVIEW_REASONS:
            return queryset.filter(needs_review(value))
        return queryset


class AssessedOfferingAdmin(OfferingAdmin):
    """The offering admin with the current assessment: score, grade, risk and coverage in the
    list, a needs-review filter, and the score on the change form, refreshed after a save."""

    list_display = [
        *OfferingAdmin.list_display,
        "score_shown",
        "grade_shown",
        "risk_shown",
        "coverage_shown",
    ]
    list_filter = [NeedsReviewFilter, RiskFilter, *OfferingAdmin.list_filter]

    def get_queryset(self, request):
        return offerings_with_assessment(super().get_queryset(request))

    def get_urls(self):
        score = path(
            "<int:offering_id>/score/",
            self.admin_site.admin_view(self.score_view),
            name="offerings_offering_score",
        )
        return [score, *super().get_urls()]

    def save_related(self, request, form, formsets, change) -> None:
        request.offering_saved_at = timezone.now()
        super().save_related(request, form, formsets, change)

    def _with_saved(self, request, response):
        saved_at = getattr(request, "offering_saved_at", None)
        if saved_at is None or not isinstance(response, HttpResponseRedirect):
            return response
        separator = "&" if "?" in response.url else "?"
        response["Location"] = (
            f"{response.url}{separator}{urlencode({'saved': saved_at.timestamp()})}"
        )
        return response

    def response_add(self, request, obj, post_url_continue=None):
        if "_addanother" not in request.POST and "_popup" not in request.POST:
            request.POST = request.POST.copy()
            request.POST["_continue"] = "1"  # stay on the form: the score is shown there
        return self._with_saved(request, super().response_add(request, obj, post_url_continue))

    def response_change(self, request, obj):
        if not {"_addanother", "_saveasnew", "_popup"} & set(request.POST):
            request.POST = request.POST.copy()
            request.POST["_continue"] = "1"
        return self._with_saved(request, super().response_change(request, obj))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self._score_context(request, int(object_id))}
        return super().change_view(request, object_id, form_url, extra_context)

    def score_view(self, request, offering_id: int):
        """The score panel alone, polled by htmx while the rescore of a save is queued."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(
            request,
            "admin/diligence/score_panel.html",
            self._score_context(request, offering_id),
        )

    def _score_context(self, request, offering_id: int) -> dict:
        saved_at = _timestamp(request.GET.get("saved"))
        tries = _count(request.GET.get("try"))
        panel = score_panel(offering_id=offering_id, saved_at=saved_at)
        eager = bool(current_app.conf.task_always_eager)
        waiting = saved_at is not None and not panel.landed and not eager and tries < POLL_TRIES
        poll_url = ""
        if waiting:
            query = urlencode({"saved": saved_at.timestamp(), "try": tries + 1})
            poll_url = f"{reverse('admin:offerings_offering_score', args=[offering_id])}?{query}"
        return {
            "score_panel": "admin/diligence/score_panel.html",
            "panel": panel,
            "poll_url": poll_url,
            "gave_up": saved_at is not None and not panel.landed and not waiting,
            "eager": eager,
        }

    @admin.display(description="score", ordering="current_score")
    def score_shown(self, offering: Offering) -> str:
        return "—" if getattr(offering, "score", None) is None else f"{offering.score}"

    @admin.display(description="risk", ordering="current_risk_rank")
    def risk_shown(self, offering: Offering) -> str:
        risk = getattr(offering, "risk", None)
        if not risk:
            return "—"
        return format_html('<span class="risk risk-{}">{}</span>', risk, risk)

    @admin.display(description="grade", ordering="grade")
    def grade_shown(self, offering: Offering) -> str:
        return getattr(offering, "grade", None) or "—"

    @admin.display(description="coverage", ordering="coverage")
    def coverage_shown(self, offering: Offering) -> str:
        coverage = getattr(offering, "coverage", None)
        return "—" if coverage is None else f"{coverage:.0%}"


def _timestamp(value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(float(value), tz=dt.UTC) if value else None
    except (ValueError, OverflowError, OSError):
        return None


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 4 else 0


admin.site.unregister(Offering)
admin.site.register(Offering, AssessedOfferingAdmin)
