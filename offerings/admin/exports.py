"""Admin actions exporting the selected offerings in the interchange format."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone

from offerings.formats import export_queryset, write_csv, write_jsonl
from offerings.models import Offering


@admin.action(description="Export the selected offerings as JSON Lines")
def export_jsonl(modeladmin, request, queryset) -> HttpResponse:
    return _export(queryset, "jsonl", write_jsonl, "application/x-ndjson")


@admin.action(description="Export the selected offerings as CSV (safe to open in a spreadsheet)")
def export_csv(modeladmin, request, queryset) -> HttpResponse:
    return _export(queryset, "csv", write_csv, "text/csv; charset=utf-8")


def _export(queryset, extension: str, write, content_type: str) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="offerings-{stamp}.{extension}"'
    write(export_queryset(Offering.objects.filter(pk__in=queryset.values("pk"))), response)
    return response
