from __future__ import annotations

from django.conf import settings
from django.db import models

from .offering import Offering


class ImportRun(models.Model):
    """One import of a file from the admin, dry run or real: who, when, which file, the report.

    The file is kept with the run, and the offerings it created or updated link back to it
    (their change history names the run too)."""

    class Format(models.TextChoices):
        JSONL = "jsonl", "JSON Lines (interchange format)"
        CSV = "csv", "CSV (interchange format)"
        TORD = "tord", "TORD research CSV"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    file = models.FileField(upload_to="imports/%Y/%m/")
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField()
    format = models.CharField(max_length=5, choices=Format.choices)
    partial = models.BooleanField(
        default=False, help_text="Import the good rows and report the bad ones."
    )
    dry_run = models.BooleanField(default=True)
    # The dry run this import was confirmed from.
    checked_by_run = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    # How many times a worker started it (a worker killed mid-way leaves it running).
    attempts = models.PositiveSmallIntegerField(default=0)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    report = models.JSONField(null=True, blank=True)
    failure = models.TextField(blank=True)
    offerings = models.ManyToManyField(Offering, related_name="import_runs", blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "import"
        return f"{kind} #{self.pk} of {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)
