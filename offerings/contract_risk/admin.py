"""Admin for the contract-risk checks: the current facts, every provider answer and the changes,
to inspect (all read-only), and an action that checks the selected offerings now."""

from __future__ import annotations

from django.contrib import admin

from offerings.contract_risk.refresh import contracts_check
from offerings.models import ContractChange, ContractRisk, ContractSnapshot


@admin.action(description="Check the contracts of the selected offerings now")
def check_contracts(modeladmin, request, queryset) -> None:
    report = contracts_check(offering_ids=list(queryset.values_list("pk", flat=True)[:200]))
    modeladmin.message_user(
        request,
        f"{report.contracts} contracts checked, {report.changes} changes; "
        f"{len(report.skipped)} offerings cannot be checked, {len(report.failed)} provider "
        "answers missing (see the contract risks).",
    )


class ReadOnly(admin.ModelAdmin):
    list_select_related = ["offering"]
    search_fields = ["offering__name", "offering__symbol", "offering__contract_address"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ContractRisk)
class ContractRiskAdmin(ReadOnly):
    list_display = ["offering", "chain_id", "address", "checked_at", "next_check_at", "checks"]
    list_filter = ["chain_id"]


@admin.register(ContractSnapshot)
class ContractSnapshotAdmin(ReadOnly):
    list_display = ["offering", "provider", "fetched_at", "chain_id", "address", "error"]
    list_filter = ["provider", "chain_id"]
    date_hierarchy = "fetched_at"
    show_full_result_count = False


@admin.register(ContractChange)
class ContractChangeAdmin(ReadOnly):
    list_display = ["offering", "detected_at", "fact", "summary", "source"]
    list_filter = ["fact", "source"]
    date_hierarchy = "detected_at"
