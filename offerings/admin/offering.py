"""The offering admin: data entry staff can live in (readable amounts, lists typed one per line,
one status, imports and exports). Columns and filters that need the diligence app's
assessments are added by diligence.admin, which registers a subclass of OfferingAdmin."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from offerings.admin.exports import export_csv, export_jsonl
from offerings.admin.fields import backers_field, countries_field, socials_field
from offerings.admin.filters import CheckedNoneFilter, StatusFilter
from offerings.admin.imports import ImportViews
from offerings.admin.inlines import (
    AuditInline,
    DocumentInline,
    SaleRoundInline,
    TeamMemberInline,
    TokenAllocationInline,
    amount_formfield,
)
from offerings.amounts import amount_shown
from offerings.contract_risk.admin import check_contracts
from offerings.lists import socials_as_lines
from offerings.market.admin import propose_coin_matches
from offerings.models import Absence, ImportRun, Offering
from offerings.services import absences_set, offering_delete, offering_socials_set
from offerings.signals import offerings_changed
from offerings.status import Status, derive_status

# Amount field -> (currency, 0 means "the sale states none"); None: the offering's cap currency.
AMOUNTS = {
    "soft_cap": (None, True),
    "hard_cap": (None, True),
    "raised_usd": ("USD", False),
    "token_price_usd": ("USD", False),
    "total_supply": ("tokens", False),
    "tokens_for_sale": ("tokens", False),
}
# Lists shown one item per line when read-only (never as JSON).
LISTS_SHOWN = ("backers", "restricted_countries", "socials")
KIND_SHORT = {kind.value: kind.value.upper() for kind in Offering.Kind}


class OfferingAdminForm(forms.ModelForm):
    checked_none = forms.MultipleChoiceField(
        label="Checked: none exist",
        choices=Absence.Part.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Parts an analyst checked and found none of (no audit, no team listed …). "
        "Unticked parts without entries are 'not recorded'. A part with entries cannot be ticked.",
    )
    socials = socials_field(
        label="Social channels",
        help_text="One link per line (https://t.me/kestrel); the network is read from the "
        "address, or start the line with it (telegram https://…).",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        offering = self.instance
        if offering.pk is not None:
            parts = {absence.part for absence in offering.absences.all()}
            if offering.backers == []:
                parts.add(Absence.Part.BACKERS)
            self.fields["checked_none"].initial = sorted(parts)
            self.fields["socials"].initial = socials_as_lines(
                {link.network: link.url for link in offering.socials.all()}
            )
        if "declared_status" in self.fields:
            self._one_status(self.fields["declared_status"])
        for name, (currency, _) in AMOUNTS.items():
            unit = offering.cap_currency if currency is None else currency
            if name in self.fields and unit and unit not in self.fields[name].label:
                self.fields[name].label = f"{self.fields[name].label} ({unit})"

    def _one_status(self, field: forms.Field) -> None:
        """The declared and the derived status in one field: empty derives it from the dates."""
        offering = self.instance
        derived = derive_status(offering.start_date, offering.end_date, timezone.localdate())
        derived_label = Status(derived).label if derived else "Unknown"
        field.choices = [
            ("", f"{derived_label} — derived from the sale dates"),
            *list(Status.choices),
        ]
        if offering.declared_status:
            field.help_text = (
                f"{Status(offering.declared_status).label} — set by hand; the sale dates alone "
                f"say {derived_label}. Choose the first option to derive it again."
            )
        else:
            field.help_text = (
                f"{derived_label} — derived from the sale dates; set by hand to override."
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        # A backer list emptied while "backers" is ticked says: checked, none.
        if Absence.Part.BACKERS in cleaned.get("checked_none", []) and not cleaned.get("backers"):
            cleaned["backers"] = []
            self.instance.backers = []
        return cleaned


@admin.register(Offering)
class OfferingAdmin(ImportViews, SimpleHistoryAdmin):
    form = OfferingAdminForm
    change_form_template = "admin/offerings/offering/change_form.html"
    change_list_template = "admin/offerings/offering/change_list.html"
    object_history_template = "admin/offerings/offering/object_history.html"
    list_display = [
        "name_display",
        "kind_short",
        "status_display",
        "venue",
        "sale_dates",
        "hard_cap_shown",
        "raised_usd_shown",
    ]
    list_display_links = ["name_display"]
    list_select_related = ["venue"]
    list_filter = [
        "kind",
        StatusFilter,
        CheckedNoneFilter,
        "venue",
        "country",
        "token_type",
        "kyc",
        "refund_policy",
    ]
    search_fields = ["name", "symbol", "slug", "contract_address", "coingecko_id"]
    actions = [export_jsonl, export_csv, propose_coin_matches, check_contracts]
    date_hierarchy = "start_date"
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at", "checked_none_record"]
    list_per_page = 50
    inlines = [
        TeamMemberInline,
        TokenAllocationInline,
        SaleRoundInline,
        AuditInline,
        DocumentInline,
    ]
    fieldsets = [
        (None, {"fields": [("name", "slug"), ("symbol", "kind"), "declared_status"]}),
        (
            "Token",
            {
                "fields": [
                    ("token_type", "chain", "token_standard"),
                    ("contract_address", "coingecko_id"),
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
            {"fields": [("country", "legal_entity"), "postal_address", "regulatory_filing"]},
        ),
        (
            "Project",
            {
                "fields": [
                    "description",
                    "claims",
                    ("product_stage", "team_size"),
                    ("roadmap", "use_of_proceeds"),
                    "backers",
                ]
            },
        ),
        (
            "Links",
            {
                "fields": [
                    ("website", "whitepaper_url"),
                    ("whitepaper_pages", "code_url", "code_public"),
                    "socials",
                ]
            },
        ),
        ("Checked, none exist", {"fields": ["checked_none", "checked_none_record"]}),
        ("Record", {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]

    class Media:
        css = {"all": ["css/offerwatch-admin.css"]}

    def get_queryset(self, request):
        return super().get_queryset(request).with_status()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if self.has_change_permission(request, obj) or obj is None:
            return fieldsets
        # Read-only: amounts shown as people read them, and the socials (not a model field).
        shown = {name: f"{name}_shown" for name in (*AMOUNTS, *LISTS_SHOWN)}
        return [
            (title, {**options, "fields": _renamed(options["fields"], shown)})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            readonly += [f"{name}_shown" for name in (*AMOUNTS, *LISTS_SHOWN)]
        return readonly

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = amount_formfield(db_field)
        if formfield is not None:
            return formfield
        if db_field.name == "backers":
            return backers_field(
                label="Backers",
                help_text="One investor per line. Empty is 'not recorded'; tick 'Backers' under "
                "'Checked: none exist' when the sale names none.",
            )
        if db_field.name == "restricted_countries":
            return countries_field(
                label="Restricted countries",
                help_text="One per line (or separated by commas): ISO codes or English names, "
                "e.g. 'United States' or 'US'.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

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

    def history_view(self, request, object_id, extra_context=None):
        runs = ImportRun.objects.filter(offerings__pk=object_id).select_related("created_by")
        extra_context = {**(extra_context or {}), "import_runs": list(runs)}
        return super().history_view(request, object_id, extra_context=extra_context)

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        socials_changed = offering_socials_set(
            offering=form.instance, links=form.cleaned_data.get("socials"), user=request.user
        )
        if (
            change
            and not socials_changed
            and not (form.has_changed() or any(fs.has_changed() for fs in formsets))
        ):
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

    @admin.display(description="offering", ordering="name")
    def name_display(self, offering: Offering) -> str:
        if not offering.symbol:
            return offering.name
        return format_html("{} <small class='symbol'>{}</small>", offering.name, offering.symbol)

    @admin.display(description="kind", ordering="kind")
    def kind_short(self, offering: Offering) -> str:
        return format_html(
            '<abbr title="{}">{}</abbr>', offering.get_kind_display(), KIND_SHORT[offering.kind]
        )

    @admin.display(description="status", ordering="current_status")
    def status_display(self, offering: Offering) -> str:
        status = getattr(offering, "current_status", None) or offering.status
        if not status:
            return "unknown"
        label = Status(status).label
        if offering.declared_status:
            return format_html('<span title="set by hand">{} ✎</span>', label)
        return label

    @admin.display(description="sale", ordering="start_date")
    def sale_dates(self, offering: Offering) -> str:
        start, end = offering.start_date, offering.end_date
        if not start and not end:
            return "—"
        if start and end and start.year == end.year:
            return f"{start} → {end:%m-%d}"  # one year: the end needs no year of its own
        return f"{start or '?'} → {end or '?'}"

    @admin.display(description="hard cap", ordering="hard_cap")
    def hard_cap_shown(self, offering: Offering) -> str:
        return _amount(offering, "hard_cap")

    @admin.display(description="soft cap")
    def soft_cap_shown(self, offering: Offering) -> str:
        return _amount(offering, "soft_cap")

    @admin.display(description="raised", ordering="raised_usd")
    def raised_usd_shown(self, offering: Offering) -> str:
        return _amount(offering, "raised_usd")

    @admin.display(description="token price")
    def token_price_usd_shown(self, offering: Offering) -> str:
        return _amount(offering, "token_price_usd")

    @admin.display(description="total supply")
    def total_supply_shown(self, offering: Offering) -> str:
        return _amount(offering, "total_supply")

    @admin.display(description="tokens for sale")
    def tokens_for_sale_shown(self, offering: Offering) -> str:
        return _amount(offering, "tokens_for_sale")

    @admin.display(description="social channels")
    def socials_shown(self, offering: Offering) -> str:
        links = socials_as_lines({link.network: link.url for link in offering.socials.all()})
        return linebreaksbr(links) or "—"

    @admin.display(description="backers")
    def backers_shown(self, offering: Offering) -> str:
        if offering.backers is None:
            return "—"
        return linebreaksbr("\n".join(offering.backers)) or "none (checked)"

    @admin.display(description="restricted countries")
    def restricted_countries_shown(self, offering: Offering) -> str:
        return ", ".join(offering.restricted_countries) or "—"

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


def _amount(offering: Offering, name: str) -> str:
    currency, zero_means_none = AMOUNTS[name]
    return amount_shown(
        getattr(offering, name),
        offering.cap_currency if currency is None else currency,
        zero_means_none=zero_means_none,
    )


def _renamed(fields, names: dict[str, str]):
    return [
        tuple(names.get(name, name) for name in field)
        if isinstance(field, tuple | list)
        else names.get(field, field)
        for field in fields
    ]
