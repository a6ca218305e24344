from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from offerings.admin.inlines import LabelledTabularInline
from offerings.models import SaleOutcome, SecurityIncident, Venue
from offerings.signals import offerings_changed


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
