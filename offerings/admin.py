from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.html import format_html_join
from simple_history.admin import SimpleHistoryAdmin

from offerings.contract_risk.admin import check_contracts
from offerings.limits import LIST_MAX_ENTRIES
from offerings.market.admin import propose_coin_matches
from offerings.models import (
    Absence,
    Audit,
    Document,
    Offering,
    SaleOutcome,
    SaleRound,
    SecurityIncident,
    SocialLink,
    TeamMember,
    TokenAllocation,
    Venue,
)
from offerings.models.parts import validate_allocation_total
from offerings.services import absences_set, offering_delete
from offerings.signals import offerings_changed
from offerings.status import Status


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(current_status=self.value()) if self.value() else queryset


class LabelledInlineFormSet(BaseInlineFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs.setdefault("aria-label", "Delete")


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs carry their field's name (aria-label): the admin labels
    its columns only with a header cell, which screen readers do not tie to each input."""

    formset = LabelledInlineFormSet

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            formfield.widget.attrs.setdefault("aria-label", str(db_field.verbose_name).capitalize())
        return formfield


class AllocationFormSet(LabelledInlineFormSet):
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


class TeamMemberInline(LabelledTabularInline):
    model = TeamMember
    extra = 0
    max_num = LIST_MAX_ENTRIES["team"]
    fields = ["position", "name", "role", "anonymous", "experienced", "advisor", "profile_url"]


class TokenAllocationInline(LabelledTabularInline):
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
    max_num = LIST_MAX_ENTRIES["allocations"]


class SaleRoundInline(LabelledTabularInline):
    model = SaleRound
    extra = 0
    max_num = LIST_MAX_ENTRIES["rounds"]


class AuditInline(LabelledTabularInline):
    model = Audit
    extra = 0
    max_num = LIST_MAX_ENTRIES["audits"]


class SocialLinkInline(LabelledTabularInline):
    model = SocialLink
    extra = 0


class DocumentInline(admin.StackedInline):
    model = Document
    extra = 0
    fields = ["kind", "title", "url", "file", "sha256", "size_bytes", "page_count"]
    readonly_fields = ["sha256", "size_bytes", "page_count"]


class OfferingAdminForm(forms.ModelForm):
    checked_none = forms.MultipleChoiceField(
        label="Checked: none exist",
        choices=Absence.Part.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Parts an analyst checked and found none of (no audit, no team listed …). "
        "Unticked parts without entries are 'not recorded'. A part with entries cannot be ticked.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            parts = {absence.part for absence in self.instance.absences.all()}
            if self.instance.backers == []:
                parts.add(Absence.Part.BACKERS)
            self.fields["checked_none"].initial = sorted(parts)

    def clean(self) -> dict:
        cleaned = super().clean()
        # An empty backer list typed by hand says the same as ticking "backers".
        if cleaned.get("backers") == []:
            cleaned["checked_none"] = [*cleaned.get("checked_none", []), Absence.Part.BACKERS]
        return cleaned


@admin.register(Offering)
class OfferingAdmin(SimpleHistoryAdmin):
    form = OfferingAdminForm
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
        "updated_at",
    ]
    list_select_related = ["venue"]
    list_filter = [
        "kind",
        StatusFilter,
        "venue",
        "country",
        "token_type",
        "kyc",
        "refund_policy",
    ]
    search_fields = ["name", "symbol", "slug", "contract_address", "coingecko_id"]
    actions = [propose_coin_matches, check_contracts]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["status_display", "created_at", "updated_at", "checked_none_record"]
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
                    ("refund_policy", "kyc", "whitelist", "bonus"),
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
        (
            "Links",
            {
                "fields": [
                    "website",
                    "whitepaper_url",
                    "whitepaper_pages",
                    "code_url",
                    "code_public",
                ]
            },
        ),
        ("Checked, none exist", {"fields": ["checked_none", "checked_none_record"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_status()

    # Delete is a soft delete (the admin role's permission): reviews and history are kept.
    def delete_model(self, request, obj: Offering) -> None:
        offering_delete(offering=obj, user=request.user)

    def delete_queryset(self, request, queryset) -> None:
        for offering in queryset:
            offering_delete(offering=offering, user=request.user)

    def get_deleted_objects(self, objs, request):
        hidden = [f"{offering} (hidden; its reviews and history are kept)" for offering in objs]
        perms_needed = set() if self.has_delete_permission(request) else {"offering"}
        return hidden, {"offerings": len(hidden)}, perms_needed, []

    @admin.display(description="who checked, when")
    def checked_none_record(self, offering: Offering) -> str:
        absences = offering.absences.select_related("checked_by") if offering.pk else []
        if not absences:
            return "—"
        return format_html_join(
            "",
            "<div>{}: checked, none — by {} on {} ({})</div>",
            (
                (
                    absence.get_part_display(),
                    absence.checked_by or "unknown",
                    f"{absence.checked_at:%Y-%m-%d %H:%M} UTC",
                    absence.source or "source unknown",
                )
                for absence in absences
            ),
        )

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        if change and not (form.has_changed() or any(fs.has_changed() for fs in formsets)):
            return  # saved as it was: nothing to rescore, no approval to reopen
        # After the inlines: a part that now has entries loses its "checked, none".
        refused = absences_set(
            offering=form.instance,
            parts=set(form.cleaned_data.get("checked_none", [])),
            user=request.user,
            source="admin",
        )
        if refused:
            messages.warning(
                request,
                f"Not marked 'checked, none exist' because they have entries: {', '.join(refused)}",
            )
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


class SecurityIncidentInline(LabelledTabularInline):
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


class SaleOutcomeForm(forms.ModelForm):
    """Analysts add failed, abandoned, exit scam or regulator action, with a source URL."""

    kind = forms.ChoiceField(choices=[(k.value, k.label) for k in SaleOutcome.ANALYST_KINDS])
    source_url = forms.URLField(
        label="source URL",
        max_length=500,
        error_messages={"required": "source_url is required: link where the outcome is reported"},
    )

    class Meta:
        model = SaleOutcome
        fields = ["offering", "kind", "occurred_on", "source_url", "note"]


@admin.register(SaleOutcome)
class SaleOutcomeAdmin(admin.ModelAdmin):
    """Outcomes derived from the market data are read-only; analysts' ones are editable."""

    form = SaleOutcomeForm
    list_display = ["offering", "kind", "derived", "occurred_on", "recorded_by", "recorded_at"]
    list_filter = ["kind", "derived"]
    list_select_related = ["offering", "recorded_by"]
    search_fields = ["offering__name", "offering__symbol", "note", "source_url"]
    autocomplete_fields = ["offering"]
    readonly_fields = ["derived", "evidence", "recorded_by", "recorded_at"]

    def has_change_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.derived:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.derived:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change) -> None:
        obj.derived = False
        if not change:
            obj.recorded_by, obj.recorded_at = request.user, timezone.now()
        super().save_model(request, obj, form, change)
