"""Reading uploaded whitepapers so that the text rules can see what they say."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from diligence.extraction import ExtractionFailed, pdf_text_bounded
from offerings.models import Document
from offerings.signals import offerings_changed
from offerings.whitepapers.copies import whitepaper_index

logger = logging.getLogger(__name__)


def document_text_extract(*, document_id: int) -> int:
    """Extract and store the text of an uploaded PDF; return its length (0 if unreadable).

    A changed text triggers a rescore of the offering.
    """
    document = Document.objects.filter(pk=document_id).exclude(file="").first()
    if document is None:
        return 0
    try:
        with document.file.open("rb") as stream:
            data = stream.read(settings.OFFERWATCH_MAX_UPLOAD_BYTES + 1)
        # A child process with a time and memory limit: a hostile PDF cannot stall the worker.
        text = pdf_text_bounded(data)
    except (OSError, ExtractionFailed) as exc:
        logger.warning("document %s: text extraction failed: %s", document_id, exc)
        return 0
    text = text.replace("\x00", "")  # PostgreSQL text cannot hold NUL
    with transaction.atomic():
        changed = Document.objects.filter(pk=document_id).exclude(text=text).update(text=text)
        if changed:
            offerings_changed.send(sender=Document, offering_ids=[document.offering_id])
    if changed and document.kind == Document.Kind.WHITEPAPER:
        whitepaper_index(document_id=document_id)  # the copied-whitepaper check
    return len(text)


def queue_text_extraction(sender, instance: Document, created: bool, **kwargs) -> None:
    """After an uploaded whitepaper is saved without text, extract it once the save commits."""
    from diligence.queueing import document_text_extraction_enqueue

    if instance.file and not instance.text:
        document_text_extraction_enqueue(document_id=instance.pk)
