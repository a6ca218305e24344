from __future__ import annotations

from django.contrib import admin

from diligence.models import Assessment, Finding, FindingReview, OfferingReview
from diligence.selectors import offerings_with_assessment
from diligence.vocabulary import RISK_ORDER
from offerings.admin import OfferingAdmin
from offerings.models import Offering


class FindingInline(admin.TabularInline):
    model = Finding
    extra = 0
    can_delete = False
    fields = [
        "rule_code",
        "outcome",
        "automatic_outcome",
        "weight",
        "severity",
        "evidence",
        "review",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


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
    inlines = [FindingInline]

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
        return [(risk, risk.title()) for risk in RISK_ORDER] + [
            ("none", "Not assessed")
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(score__isnull=True)
        return queryset.filter(risk=self.value()) if self.value() else queryset


class AssessedOfferingAdmin(OfferingAdmin):
    """The record's admin with the current assessment's score and risk: columns and a filter."""

    list_display = [
        *(name for name in OfferingAdmin.list_display if name != "updated_at"),
        "score_display",
        "risk_display",
        "updated_at",
    ]
    list_filter = [*OfferingAdmin.list_filter[:2], RiskFilter, *OfferingAdmin.list_filter[2:]]

    def get_queryset(self, request):
        return offerings_with_assessment(super().get_queryset(request))

    @admin.display(description="score", ordering="score")
    def score_display(self, offering: Offering) -> str:
        if getattr(offering, "score", None) is None:
            return "—"
        return f"{offering.score} ({offering.grade})"

    @admin.display(description="risk", ordering="risk")
    def risk_display(self, offering: Offering) -> str:
        return getattr(offering, "risk", None) or "—"


admin.site.unregister(Offering)
admin.site.register(Offering, AssessedOfferingAdmin)
