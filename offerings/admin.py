from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from simple_history.admin import SimpleHistoryAdmin

from offerings.market.admin import propose_coin_matches
from offerings.models import (
    Audit,
    Document,
    Offering,
    SaleRound,
    SecurityIncident,
    SocialLink,
    TeamMember,
    TokenAllocation,
    Venue,
)
from offerings.models.parts import validate_allocation_total
from offerings.signals import offerings_changed
from offerings.status import Status


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(current_status=self.value()) if self.value() else queryset


class RiskFilter(admin.SimpleListFilter):
    title = "risk"
    parameter_name = "risk"

    def lookups(self, request, model_admin):
        return [(risk, risk.title()) for risk in ("low", "medium", "high", "critical")] + [
            ("none", "Not assessed")
        ]

    def queryset(self, request, queryset):
        if self.value() == "none":
            return queryset.filter(score__isnull=True)
        return queryset.filter(risk=self.value()) if self.value() else queryset


class AllocationFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        percents = [
            form.cleaned_data["percent"]
            for form in self.forms
            if form.cleaned_data
            and not form.cleaned_data.get("DELETE")
            and form.cleaned_data.get("percent") is not None
        ]
        try:
            validate_allocation_total(percents)
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class TeamMemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    fields = ["position", "name", "role", "anonymous", "experienced", "advisor", "profile_url"]


class TokenAllocationInline(admin.TabularInline):
    model = TokenAllocation
    formset = AllocationFormSet
    extra = 0
    fields = [
        "bucket",
        "percent",
        "tge_percent",
        "cliff_months",
        "vesting_months",
        "unlock_frequency",
        "vesting_start",
        "schedule_source",
        "schedule_source_url",
    ]


class SaleRoundInline(admin.TabularInline):
    model = SaleRound
    extra = 0


class AuditInline(admin.TabularInline):
    model = Audit
    extra = 0


class SocialLinkInline(admin.TabularInline):
    model = SocialLink
    extra = 0


class DocumentInline(admin.StackedInline):
    model = Document
    extra = 0
    fields = ["kind", "title", "url", "file", "sha256", "size_bytes", "page_count"]
    readonly_fields = ["sha256", "size_bytes", "page_count"]


@admin.register(Offering)
class OfferingAdmin(SimpleHistoryAdmin):
    list_display = [
        "name",
        "symbol",
        "kind",
        "status_display",
        "venue",
        "country",
        "hard_cap",
        "raised_usd",
        "start_date",
        "end_date",
        "score_display",
        "risk_display",
        "updated_at",
    ]
    list_select_related = ["venue"]
    list_filter = [
        "kind",
        StatusFilter,
        RiskFilter,
        "venue",
        "country",
        "token_type",
        "kyc",
        "refund_policy",
    ]
    search_fields = ["name", "symbol", "slug", "contract_address", "coingecko_id"]
    actions = [propose_coin_matches]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["status_display", "created_at", "updated_at"]
    autocomplete_fields = ["venue"]
    list_per_page = 50
    inlines = [
        TeamMemberInline,
        TokenAllocationInline,
        SaleRoundInline,
        AuditInline,
        DocumentInline,
        SocialLinkInline,
    ]
    fieldsets = [
        (None, {"fields": ["name", "slug", "symbol", "kind", "declared_status", "status_display"]}),
        (
            "Token",
            {
                "fields": [
                    "token_type",
                    "chain",
                    "token_standard",
                    "contract_address",
                    "coingecko_id",
                ]
            },
        ),
        (
            "Sale terms",
            {
                "fields": [
                    "venue",
                    ("start_date", "end_date", "tge_date"),
                    "cap_currency",
                    ("soft_cap", "hard_cap"),
                    ("raised_usd", "token_price_usd"),
                    ("total_supply", "tokens_for_sale", "supply_fixed"),
                    ("refund_policy", "kyc", "whitelist"),
                    "restricted_countries",
                ]
            },
        ),
        (
            "Issuer",
            {"fields": ["country", "legal_entity", "postal_address", "regulatory_filing"]},
        ),
        (
            "Project",
            {
                "fields": [
                    "description",
                    "claims",
                    "product_stage",
                    ("roadmap", "use_of_proceeds"),
                    "team_size",
                    "backers",
                ]
            },
        ),
        ("Links", {"fields": ["website", "whitepaper_url", "whitepaper_pages", "code_url"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_status().with_assessment()

    @admin.display(description="score", ordering="score")
    def score_display(self, offering: Offering) -> str:
        if getattr(offering, "score", None) is None:
            return "—"
        return f"{offering.score} ({offering.grade})"

    @admin.display(description="risk", ordering="risk")
    def risk_display(self, offering: Offering) -> str:
        return getattr(offering, "risk", None) or "—"

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        offerings_changed.send(
            sender=Offering,
            offering_ids=[form.instance.pk],
            created_ids=[] if change else [form.instance.pk],
        )

    @admin.display(description="status", ordering="current_status")
    def status_display(self, offering: Offering) -> str:
        status = getattr(offering, "current_status", None) or offering.status
        if not status:
            return "unknown"
        label = Status(status).label
        return f"{label} (set by hand)" if offering.declared_status else label


class SecurityIncidentInline(admin.TabularInline):
    model = SecurityIncident
    extra = 0


@admin.register(Venue)
class VenueAdmin(SimpleHistoryAdmin):
    list_display = ["name", "kind", "country", "licensed", "kyc_aml_enforced", "reputation_tier"]
    list_filter = ["kind", "reputation_tier", "licensed", "kyc_aml_enforced", "country"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [SecurityIncidentInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        ids = list(form.instance.offerings.values_list("pk", flat=True))
        offerings_changed.send(sender=Venue, offering_ids=ids)
