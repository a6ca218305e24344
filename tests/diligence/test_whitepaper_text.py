import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diligence.models import Assessment
from offerings.models import Document
from tests.factories import full_offering
from tests.pdfs import text_pdf

pytestmark = pytest.mark.django_db


def _upload(offering, *pages: str) -> Document:
    document = Document(
        offering=offering,
        kind=Document.Kind.WHITEPAPER,
        file=SimpleUploadedFile("wp.pdf", text_pdf(*pages), content_type="application/pdf"),
    )
    document.full_clean()
    document.save()
    return document


def test_an_uploaded_whitepaper_is_read_and_its_promises_flagged(
    django_capture_on_commit_callbacks,
):
    offering = full_offering(description="A payments network.", claims="")
    with django_capture_on_commit_callbacks(execute=True):
        document = _upload(offering, "Our plan.", "Holders earn guaranteed 30% monthly returns.")
    document.refresh_from_db()
    assert "guaranteed 30% monthly" in document.text
    assert document.page_count == 2
    finding = (
        Assessment.objects.current().get(offering=offering).finding("claims.guaranteed_returns")
    )
    assert finding.outcome == "flag"
    assert finding.evidence.startswith("whitepaper: ")


def test_whitepaper_sections_are_checked_in_the_uploaded_text(django_capture_on_commit_callbacks):
    offering = full_offering(start_date=dt.date(2026, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(offering, "The problem we solve is slow settlement. Roadmap: Q3 2026 mainnet.")
    finding = Assessment.objects.current().get(offering=offering).finding("whitepaper.incomplete")
    assert finding.outcome == "flag"
    assert "token economics" in finding.evidence.lower()
