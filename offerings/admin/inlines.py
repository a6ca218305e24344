"""The offering's parts as admin inlines, laid out to fit the page (offerwatch-admin.css)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet

from offerings.admin.fields import AmountField
from offerings.amounts import amount_shown
from offerings.limits import LIST_MAX_ENTRIES
from offerings.models import Audit, Document, SaleRound, TeamMember, TokenAllocation
from offerings.models.parts import validate_allocation_total


def amount_formfield(db_field, **kwargs):
    """Money and token amounts (40 digits, 18 places) typed as people write them."""
    if isinstance(db_field, models.DecimalField) and db_field.max_digits == 40:
        return AmountField(
            name=db_field.name,
            max_digits=db_field.max_digits,
            decimal_places=db_field.decimal_places,
            required=not db_field.blank,
            label=str(db_field.verbose_name).capitalize(),
            help_text=db_field.help_text,
        )
    return None


class LabelledInlineFormSet(BaseInlineFormSet):
    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs.setdefault("aria-label", "Delete")


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs carry their field's name (aria-label): the admin labels
    its columns only with a header cell, which screen readers do not tie to each input."""

    formset = LabelledInlineFormSet
    classes = ["compact-inline"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = amount_formfield(db_field) or super().formfield_for_dbfield(
            db_field, request, **kwargs
        )
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
    fields = ["kind", "price_usd", "discount_percent", "start_date", "end_date", "raised_usd"]
    AMOUNTS = ("price_usd", "raised_usd")
    readonly_fields = [f"{name}_shown" for name in AMOUNTS]

    def get_fields(self, request, obj=None):
        if self.has_change_permission(request, obj):
            return self.fields
        # Read-only: amounts as people read them, not as the column stores them.
        return [f"{name}_shown" if name in self.AMOUNTS else name for name in self.fields]

    @admin.display(description="price (USD)")
    def price_usd_shown(self, sale_round: SaleRound) -> str:
        return amount_shown(sale_round.price_usd, "USD")

    @admin.display(description="raised (USD)")
    def raised_usd_shown(self, sale_round: SaleRound) -> str:
        return amount_shown(sale_round.raised_usd, "USD")


class AuditInline(LabelledTabularInline):
    model = Audit
    extra = 0
    max_num = LIST_MAX_ENTRIES["audits"]
    fields = ["auditor", "url", "date"]


class DocumentInline(admin.StackedInline):
    model = Document
    extra = 0
    fields = [("kind", "title"), ("url", "file"), ("sha256", "size_bytes", "page_count")]
    readonly_fields = ["sha256", "size_bytes", "page_count"]
    classes = ["collapse"]
