"""Admin for public records: proposals to decide, the records, filings and sanctioned
addresses to inspect (all written by imports and checks, so read-only here)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from simple_history.admin import SimpleHistoryAdmin

from records.matching import record_match_confirm, record_match_reject
from records.models import (
    Filing,
    FilingCheck,
    ListImport,
    PublicRecord,
    RecordMatch,
    SanctionedAddress,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]


@admin.register(RecordMatch)
class RecordMatchAdmin(SimpleHistoryAdmin, ReadOnlyAdmin):
    list_display = ["offering", "record", "method", "score", "evidence", "state", "decided_by"]
    list_filter = ["state", "method", "record__authority"]
    list_select_related = ["offering", "record", "decided_by"]
    search_fields = ["offering__name", "offering__symbol", "record__title"]
    actions = ["confirm", "reject"]

    @admin.action(description="Confirm: these records are about these offerings")
    def confirm(self, request, queryset) -> None:
        self._decide(request, queryset, record_match_confirm, "confirmed")

    @admin.action(description="Reject: these records are about someone else")
    def reject(self, request, queryset) -> None:
        self._decide(request, queryset, record_match_reject, "rejected")

    def _decide(self, request, queryset, decide, verb: str) -> None:
        done = 0
        for match in queryset:
            try:
                decide(match=match, user=request.user, note="admin")
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, text, messages.WARNING)
        self.message_user(request, f"{done} proposals {verb}.")


@admin.register(PublicRecord)
class PublicRecordAdmin(ReadOnlyAdmin):
    list_display = ["date", "authority", "kind", "title", "source", "fetched_at"]
    list_filter = ["authority", "kind", "source"]
    search_fields = ["title", "url"]


@admin.register(ListImport)
class ListImportAdmin(ReadOnlyAdmin):
    list_display = ["imported_at", "source", "origin", "entries", "created"]
    list_filter = ["source"]


@admin.register(Filing)
class FilingAdmin(ReadOnlyAdmin):
    list_display = ["accession", "form", "company", "cik", "filed", "fetched_at"]
    list_filter = ["form"]
    search_fields = ["accession", "company", "cik"]


@admin.register(FilingCheck)
class FilingCheckAdmin(ReadOnlyAdmin):
    list_display = ["offering", "accession", "found", "checked_at", "evidence"]
    list_filter = ["found"]
    list_select_related = ["offering"]


@admin.register(SanctionedAddress)
class SanctionedAddressAdmin(ReadOnlyAdmin):
    list_display = ["address", "currency", "entry_name", "programs"]
    list_filter = ["currency"]
    search_fields = ["address", "entry_name"]
