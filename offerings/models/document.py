from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator
from django.db import models
from simple_history.models import HistoricalRecords

from offerings.pdf import inspect_pdf

from .offering import Offering


def document_path(document: Document, filename: str) -> str:
    """A random name: the uploader's file name never reaches the file system or a URL."""
    return f"documents/{uuid.uuid4().hex}.pdf"


class Document(models.Model):
    """A document about an offering: by URL, or an uploaded PDF fingerprinted by SHA-256."""

    class Kind(models.TextChoices):
        WHITEPAPER = "whitepaper", "Whitepaper"
        LITEPAPER = "litepaper", "Litepaper"
        AUDIT_REPORT = "audit_report", "Audit report"
        LEGAL_OPINION = "legal_opinion", "Legal opinion"
        TERMS = "terms", "Token sale terms"
        OTHER = "other", "Other"

    offering = models.ForeignKey(Offering, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=14, choices=Kind.choices, default=Kind.WHITEPAPER)
    title = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    file = models.FileField(
        upload_to=document_path,
        blank=True,
        validators=[FileExtensionValidator(["pdf"])],
        help_text="PDF only; the content is checked, not just the name.",
    )
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, editable=False)
    size_bytes = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    page_count = models.PositiveIntegerField(null=True, blank=True, editable=False)
    text = models.TextField(blank=True, editable=False, help_text="Extracted text, for analysis.")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    # Set when the intake fetched the document from `url` (no file is kept; the text and the
    # SHA-256 of the bytes are); an unchanged re-fetch only moves fetched_at.
    fetched_at = models.DateTimeField(null=True, blank=True, editable=False)
    content_type = models.CharField(max_length=100, blank=True, editable=False)
    etag = models.CharField(max_length=200, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)
    history = HistoricalRecords(excluded_fields=["text"])

    class Meta:
        ordering = ["offering_id", "kind", "-uploaded_at"]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} of {self.offering}"

    def clean(self) -> None:
        if not self.file and not self.url:
            raise ValidationError({"url": "give the document's URL or upload its PDF"})
        if self.file and not self.file._committed:
            # A new upload: the bytes must be a readable PDF within the size limit.
            try:
                facts = inspect_pdf(self.file.file, name=self.file.name)
            except ValidationError as exc:
                raise ValidationError({"file": exc.messages}) from None
            self.sha256, self.size_bytes = facts.sha256, facts.size
            self.page_count = facts.page_count
