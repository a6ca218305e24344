"""List filters of the offering admin that need more than a field lookup."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, OuterRef

from offerings.models import Absence, Offering
from offerings.status import Status


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Status.choices

    def queryset(self, request, queryset):
        return queryset.filter(current_status=self.value()) if self.value() else queryset


class CheckedNoneFilter(admin.SimpleListFilter):
    """Parts an analyst checked and found none of, or never recorded (unknown)."""

    title = "checked, none"
    parameter_name = "checked_none"
    UNKNOWN = ":unknown"

    def lookups(self, request, model_admin):
        checked = [(part, f"{label}: checked, none") for part, label in Absence.Part.choices]
        unknown = [
            (f"{part}{self.UNKNOWN}", f"{label}: not recorded")
            for part, label in Absence.Part.choices
        ]
        return checked + unknown

    def queryset(self, request, queryset):
        value = self.value() or ""
        part = value.removesuffix(self.UNKNOWN)
        if part not in Absence.Part.values:
            return queryset
        checked = Exists(Absence.objects.filter(offering=OuterRef("pk"), part=part))
        if not value.endswith(self.UNKNOWN):
            return queryset.filter(checked)
        if part == Absence.Part.BACKERS:
            return queryset.filter(backers__isnull=True).exclude(checked)
        related = Offering._meta.get_field(part).related_model
        entries = Exists(related.objects.filter(offering=OuterRef("pk")))
        return queryset.exclude(checked).exclude(entries)
