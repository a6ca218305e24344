"""Whitepaper intake: fetch each offering's whitepaper_url, keep its text, and index it for the
copied-whitepaper check.

The fetch goes through offerings.safe_fetch (https only, public addresses only, pinned to the
checked address, redirects re-checked, a byte limit and a wall-clock cap). Only a PDF or an HTML
page is accepted, by its declared type and by its bytes. A changed document (new SHA-256) is a
new Document row; an unchanged one (HTTP 304 or the same hash) only moves fetched_at.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from diligence.extraction import ExtractionFailed, pdf_text_bounded
from offerings.models import Document, Offering
from offerings.pdf import PDF_MAGIC, inspect_pdf
from offerings.safe_fetch import Fetched, FetchFailed, FetchLimits, Resolver, fetch_bounded
from offerings.signals import offerings_changed
from offerings.whitepapers.copies import whitepaper_index
from offerings.whitepapers.html_text import html_text

logger = logging.getLogger(__name__)

PDF_TYPES = {"application/pdf", "application/x-pdf"}
HTML_TYPES = {"text/html", "application/xhtml+xml"}
USER_AGENT = "Offerwatch-Whitepapers/1"


@dataclass(frozen=True)
class IntakeResult:
    offering_id: int
    outcome: str  # stored, unchanged, refused, failed, skipped
    detail: str = ""
    document_id: int | None = None


def fetch_limits() -> FetchLimits:
    return FetchLimits(
        allow_http=settings.OFFERWATCH_FETCH_ALLOW_HTTP,
        allow_private=settings.OFFERWATCH_FETCH_ALLOW_PRIVATE_URLS,
        max_bytes=settings.WHITEPAPER_MAX_BYTES,
        timeout_s=settings.WHITEPAPER_FETCH_TIMEOUT_S,
        total_s=settings.WHITEPAPER_FETCH_TOTAL_S,
        purpose="whitepaper URLs",
    )


def fetched_whitepaper(offering: Offering) -> Document | None:
    """The newest document the intake fetched from the offering's current whitepaper_url."""
    return (
        Document.objects.filter(
            offering=offering,
            kind=Document.Kind.WHITEPAPER,
            url=offering.whitepaper_url,
            file="",
            fetched_at__isnull=False,
        )
        .order_by("-uploaded_at", "-pk")
        .first()
    )


def whitepapers_due(*, now: dt.datetime | None = None, limit: int | None = None) -> QuerySet:
    """Ids of offerings whose whitepaper_url was not fetched within WHITEPAPER_REFETCH_HOURS."""
    now = now or timezone.now()
    fresh = Document.objects.filter(
        offering=OuterRef("pk"),
        kind=Document.Kind.WHITEPAPER,
        url=OuterRef("whitepaper_url"),
        fetched_at__gte=now - dt.timedelta(hours=settings.WHITEPAPER_REFETCH_HOURS),
    )
    due = Offering.objects.exclude(whitepaper_url="").filter(~Exists(fresh)).order_by("pk")
    return due.values_list("pk", flat=True)[:limit] if limit else due.values_list("pk", flat=True)


def whitepaper_fetch(
    *,
    offering_id: int,
    now: dt.datetime | None = None,
    resolver: Resolver | None = None,
) -> IntakeResult:
    """Fetch the offering's whitepaper; store it when new or changed, then index it."""
    now = now or timezone.now()
    offering = Offering.objects.filter(pk=offering_id).first()
    if offering is None or not offering.whitepaper_url:
        return IntakeResult(offering_id, "skipped", "no whitepaper_url")
    previous = fetched_whitepaper(offering)
    headers = {"user-agent": USER_AGENT, "accept": "application/pdf, text/html;q=0.9"}
    if previous and previous.etag:
        headers["if-none-match"] = previous.etag
    if previous and previous.last_modified:
        headers["if-modified-since"] = previous.last_modified
    try:
        fetched = fetch_bounded(
            offering.whitepaper_url, limits=fetch_limits(), headers=headers, resolver=resolver
        )
    except FetchFailed as exc:
        logger.info("whitepaper of offering %s refused: %s", offering_id, exc)
        return IntakeResult(offering_id, "refused", str(exc))
    if fetched.status == 304 and previous:
        Document.objects.filter(pk=previous.pk).update(fetched_at=now)
        return IntakeResult(offering_id, "unchanged", "not modified (HTTP 304)", previous.pk)
    digest = hashlib.sha256(fetched.body).hexdigest()
    if previous and previous.sha256 == digest:
        Document.objects.filter(pk=previous.pk).update(fetched_at=now, **_validators(fetched))
        return IntakeResult(offering_id, "unchanged", "same SHA-256", previous.pk)
    try:
        text, pages = document_text(fetched)
    except ValidationError as exc:
        return IntakeResult(offering_id, "refused", "; ".join(exc.messages))
    except ExtractionFailed as exc:
        return IntakeResult(offering_id, "failed", str(exc))
    with transaction.atomic():
        document = Document.objects.create(
            offering=offering,
            kind=Document.Kind.WHITEPAPER,
            url=offering.whitepaper_url,
            sha256=digest,
            size_bytes=len(fetched.body),
            page_count=pages,
            text=text.replace("\x00", ""),
            fetched_at=now,
            content_type=fetched.content_type,
            **_validators(fetched),
        )
        offerings_changed.send(sender=Document, offering_ids=[offering.pk])
    whitepaper_index(document_id=document.pk, now=now)
    return IntakeResult(offering_id, "stored", f"{len(text):,} characters", document.pk)


def _validators(fetched: Fetched) -> dict[str, str]:
    return {
        "etag": fetched.headers.get("etag", "")[:200],
        "last_modified": fetched.headers.get("last-modified", "")[:100],
    }


def document_text(fetched: Fetched) -> tuple[str, int | None]:
    """The text (and page count, for a PDF) of a fetched document; ValidationError when it is
    neither a PDF nor an HTML page, by its declared type and its bytes."""
    body, declared = fetched.body, fetched.content_type
    if declared in PDF_TYPES:
        facts = inspect_pdf(BytesIO(body), name=fetched.url)  # checks the %PDF- header too
        return pdf_text_bounded(body), facts.page_count
    if declared in HTML_TYPES:
        if body.lstrip().startswith(PDF_MAGIC):
            raise ValidationError(f"{fetched.url} is declared {declared} but holds a PDF")
        if b"\x00" in body[:4096]:
            raise ValidationError(f"{fetched.url} is declared {declared} but holds binary data")
        return html_text(body.decode(_charset(fetched), "replace")), None
    raise ValidationError(
        f"{fetched.url} has content type {declared or 'none'!r}; a whitepaper must be "
        "application/pdf or text/html"
    )


def _charset(fetched: Fetched) -> str:
    for parameter in fetched.headers.get("content-type", "").split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.lower() == "charset" and value:
            try:
                "".encode(value.strip('"'))
            except LookupError:
                break
            return value.strip('"')
    return "utf-8"


def offerings_with_whitepaper_url(slug: str | None = None) -> QuerySet:
    offerings = Offering.objects.exclude(whitepaper_url="").order_by("pk")
    return offerings.filter(Q(slug=slug)) if slug else offerings
