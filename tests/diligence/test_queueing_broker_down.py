"""With the broker down, a finding review or an uploaded PDF is saved, the request succeeds, and
beat's sweep finds the offering (a review or a document leaves `updated_at` alone)."""

from __future__ import annotations

import logging

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diligence.models import Assessment, FindingReview
from diligence.queueing import offerings_needing_rescore, rescore_sweep
from diligence.rescoring import assessments_refresh
from diligence.services import finding_review_create
from offerings.models import Document
from tests.factories import full_offering
from tests.pdfs import text_pdf

pytestmark = pytest.mark.django_db

NOTE = "team verified by video call with all four founders"


@pytest.fixture
def offering():
    offering = full_offering(slug="reviewed", kyc="not_required")
    assessments_refresh()
    return offering


def kyc_outcome(offering) -> str:
    finding = Assessment.objects.current().get(offering=offering).finding("kyc.absent")
    return finding.outcome


def swept(offering) -> None:
    """The sweep finds the offering, rescores it once, and then finds nothing."""
    before = Assessment.objects.filter(offering=offering).count()
    assert list(offerings_needing_rescore(since=offering.updated_at)) == [offering]
    assert rescore_sweep().assessed == 1
    assert Assessment.objects.filter(offering=offering).count() == before + 1
    assert rescore_sweep().assessed == 0  # done once


def test_a_review_made_while_the_broker_is_down_is_saved_and_swept(
    offering, analyst, broker_down, django_capture_on_commit_callbacks, caplog
):
    assert kyc_outcome(offering) == "flag"
    with (
        caplog.at_level(logging.WARNING, logger="diligence.queueing"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        review = finding_review_create(
            offering=offering,
            author=analyst,
            rule_code="kyc.absent",
            verdict="overturn",
            outcome="pass",
            note=NOTE,
        )
    assert FindingReview.objects.get() == review
    assert "not queued, the broker is unreachable" in caplog.text
    assert str(offering.pk) in caplog.text
    swept(offering)
    assert kyc_outcome(offering) == "pass"


def test_a_pdf_uploaded_while_the_broker_is_down_is_saved_then_read_and_scored_by_the_sweep(
    broker_down, django_capture_on_commit_callbacks, caplog
):
    offering = full_offering(description="A payments network.", claims="")
    assessments_refresh()
    document = Document(
        offering=offering,
        kind=Document.Kind.WHITEPAPER,
        file=SimpleUploadedFile(
            "wp.pdf", text_pdf("Holders earn guaranteed 30% monthly returns."), "application/pdf"
        ),
    )
    document.full_clean()
    with (
        caplog.at_level(logging.WARNING, logger="diligence.queueing"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        document.save()
    assert "text extraction of 1 document not queued" in caplog.text
    assert Document.objects.get(pk=document.pk).text == ""
    swept(offering)
    assert "guaranteed 30% monthly" in Document.objects.get(pk=document.pk).text
    finding = (
        Assessment.objects.current().get(offering=offering).finding("claims.guaranteed_returns")
    )
    assert finding.outcome == "flag"
