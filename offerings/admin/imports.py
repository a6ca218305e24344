"""Imports in the browser: upload, dry run, the real import as a task with a progress bar,
and the report to download. The views are thin: offerings.import_runs does the work."""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from offerings.import_runs import (
    import_permitted,
    import_run_confirm,
    import_run_confirmable,
    import_run_progress,
    import_run_start,
    import_size_limit,
)
from offerings.models import ImportRun

# How many problems the page lists (the downloadable report has them all).
PROBLEMS_SHOWN = 500


class ImportForm(forms.Form):
    file = forms.FileField(help_text="JSON Lines, CSV (interchange format) or a TORD CSV file.")
    format = forms.ChoiceField(
        choices=[("", "Tell from the file"), *list(ImportRun.Format.choices)],
        required=False,
    )
    mode = forms.ChoiceField(
        choices=[
            ("all", "All or nothing: any bad row and nothing is written"),
            ("partial", "Partial: write the good rows, report the bad ones"),
        ],
        initial="all",
        widget=forms.RadioSelect,
    )


class ImportViews:
    """URLs under the offering admin: import/, import/<run>/, its progress and its report."""

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("import/", wrap(self.import_view), name="offerings_offering_import"),
            path("import/<int:run_id>/", wrap(self.import_run_view), name="offerings_import_run"),
            path(
                "import/<int:run_id>/progress/",
                wrap(self.import_progress_view),
                name="offerings_import_progress",
            ),
            path(
                "import/<int:run_id>/confirm/",
                wrap(self.import_confirm_view),
                name="offerings_import_confirm",
            ),
            path(
                "import/<int:run_id>/report.json",
                wrap(self.import_report_view),
                name="offerings_import_report",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_import": import_permitted(request.user)}
        return super().changelist_view(request, extra_context)

    def _check_import(self, request) -> None:
        if not import_permitted(request.user):
            raise PermissionDenied

    def import_view(self, request):
        self._check_import(request)
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                run = import_run_start(
                    user=request.user,
                    upload=form.cleaned_data["file"],
                    file_format=form.cleaned_data["format"],
                    partial=form.cleaned_data["mode"] == "partial",
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect("admin:offerings_import_run", run_id=run.pk)
        recent = ImportRun.objects.select_related("created_by")[:10]
        return TemplateResponse(
            request,
            "admin/offerings/offering/import.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": "Import offerings",
                "form": form,
                "limit_mb": import_size_limit() // (1024 * 1024),
                "recent_runs": recent,
            },
        )

    def _run(self, request, run_id: int) -> ImportRun:
        self._check_import(request)
        return get_object_or_404(ImportRun.objects.select_related("created_by"), pk=run_id)

    def _run_context(self, run: ImportRun) -> dict:
        report = run.report or {}
        return {
            "run": run,
            "percent": import_run_progress(run),
            "confirmable": import_run_confirmable(run),
            "report": report,
            "errors": report.get("errors", [])[:PROBLEMS_SHOWN],
            "warnings": report.get("warnings", [])[:PROBLEMS_SHOWN],
            "more_problems": max(
                len(report.get("errors", []))
                + len(report.get("warnings", []))
                - 2 * PROBLEMS_SHOWN,
                0,
            ),
        }

    def import_run_view(self, request, run_id: int):
        run = self._run(request, run_id)
        return TemplateResponse(
            request,
            "admin/offerings/offering/import_run.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": str(run).capitalize(),
                **self._run_context(run),
            },
        )

    def import_progress_view(self, request, run_id: int):
        """The run's status region alone, polled by htmx until the run has finished."""
        run = self._run(request, run_id)
        return TemplateResponse(
            request,
            "admin/offerings/offering/import_run.html#status",
            self._run_context(run),
        )

    def import_confirm_view(self, request, run_id: int):
        if request.method != "POST":
            return redirect("admin:offerings_import_run", run_id=run_id)
        dry_run = self._run(request, run_id)
        try:
            run = import_run_confirm(user=request.user, dry_run=dry_run)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("admin:offerings_import_run", run_id=run_id)
        return redirect("admin:offerings_import_run", run_id=run.pk)

    def import_report_view(self, request, run_id: int):
        run = self._run(request, run_id)
        body = {
            "run": run.pk,
            "file": run.file_name,
            "dry_run": run.dry_run,
            "partial": run.partial,
            "state": run.state,
            "failure": run.failure,
            "started_by": run.created_by.get_username(),
            "created_at": run.created_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            **(run.report or {}),
        }
        response = HttpResponse(
            json.dumps(body, indent=2, default=str), content_type="application/json"
        )
        name = f"import-run-{run.pk}-report.json"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """Imports are made on the import page; here they are only listed and inspected."""

    list_display = ["__str__", "state", "created_by", "created_at", "summary", "run_link"]
    list_filter = ["state", "dry_run", "format"]
    list_select_related = ["created_by"]
    readonly_fields = [
        "file",
        "file_name",
        "file_size",
        "format",
        "partial",
        "dry_run",
        "checked_by_run",
        "created_by",
        "created_at",
        "state",
        "attempts",
        "rows_total",
        "started_at",
        "finished_at",
        "failure",
        "summary",
    ]
    exclude = ["report", "offerings"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="report")
    def summary(self, run: ImportRun) -> str:
        report = run.report
        if not report:
            return run.failure or "—"
        return (
            f"{report['rows']} rows: {report['created']} created, {report['updated']} updated, "
            f"{report['unchanged']} unchanged, {report['rejected']} rejected, "
            f"{len(report['warnings'])} warnings"
        )

    @admin.display(description="page")
    def run_link(self, run: ImportRun) -> str:
        return format_html(
            '<a href="{}">open</a>', reverse("admin:offerings_import_run", args=[run.pk])
        )
