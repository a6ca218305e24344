"""Checks on uploaded PDF documents: real PDF content, bounded size, fingerprint and page count."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from pypdf import PdfReader

logger = logging.getLogger(__name__)

PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class PdfFacts:
    sha256: str
    size: int
    page_count: int


def inspect_pdf(stream: IO[bytes], *, name: str = "file") -> PdfFacts:
    """Validate that `stream` holds a readable PDF within the size limit; return its facts.

    The extension and the declared content type are ignored: only the bytes count.
    """
    limit = settings.OFFERWATCH_MAX_UPLOAD_BYTES
    stream.seek(0)
    head = stream.read(1024)
    # The header at offset 0, strictly: a polyglot (HTML or a script before %PDF-) is refused.
    if not head.startswith(PDF_MAGIC):
        raise ValidationError(
            "%(name)s is not a PDF: its content does not start with %%PDF-",
            code="not_pdf",
            params={"name": name},
        )
    digest = hashlib.sha256()
    size = 0
    chunk = head
    while chunk:
        size += len(chunk)
        if size > limit:
            raise ValidationError(
                "%(name)s is larger than the %(limit)s limit",
                code="too_large",
                params={"name": name, "limit": filesizeformat(limit).replace("\xa0", " ")},
            )
        digest.update(chunk)
        chunk = stream.read(1024 * 1024)
    stream.seek(0)
    try:
        reader = PdfReader(stream)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    except Exception as exc:
        # pypdf fails on hostile input in many ways (loops, wrong object types, deep nesting):
        # whichever it is, we cannot read the file.
        logger.info("rejected unreadable PDF upload %s: %r", name, exc)
        raise ValidationError(
            "%(name)s is not a readable PDF (%(reason)s)",
            code="not_pdf",
            params={"name": name, "reason": type(exc).__name__},
        ) from None
    finally:
        stream.seek(0)
    if encrypted:
        raise ValidationError(
            "%(name)s is encrypted; upload an unencrypted PDF",
            code="encrypted_pdf",
            params={"name": name},
        )
    if pages == 0:
        raise ValidationError("%(name)s has no pages", code="empty_pdf", params={"name": name})
    if pages > settings.OFFERWATCH_MAX_PDF_PAGES:
        raise ValidationError(
            "%(name)s has %(pages)s pages, more than the %(limit)s-page limit "
            "(OFFERWATCH_MAX_PDF_PAGES)",
            code="too_many_pages",
            params={"name": name, "pages": pages, "limit": settings.OFFERWATCH_MAX_PDF_PAGES},
        )
    return PdfFacts(sha256=digest.hexdigest(), size=size, page_count=pages)
