"""Regression: an approval survived later edits. Any change to an approved or in-review
offering's facts (admin, API, import, upload) sends it back to draft and keeps the record of
which version was approved."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from diligence.models import OfferingReview
from diligence.services import offering_review_transition
from offerings.models import Offering
from offerings.services import offering_create, offering_update
from tests.conftest import with_role
from tests.factories import UserFactory
from tests.offerings.test_admin import ADD, offering_form

pytestmark = pytest.mark.django_db


def _approve(offering: Offering) -> OfferingReview:
    submitter = with_role(UserFactory(username="submitter"), "analyst")
    approver = with_role(UserFactory(username="checker"), "approver")
    offering_review_transition(offering=offering, user=submitter, action="submit")
    return offering_review_transition(offering=offering, user=approver, action="approve")


def _assert_reopened(offering: Offering, approved: OfferingReview) -> None:
    workflow = OfferingReview.objects.get(offering=offering)
    assert workflow.state == OfferingReview.State.DRAFT
    assert workflow.approved_by is None and "facts changed" in workflow.reopened_reason
    # Which version had been approved stays on record.
    assert workflow.approved_history_id == approved.approved_history_id is not None


def test_an_approval_records_the_version_approved(staff_client):
    assert staff_client.post(ADD, offering_form()).status_code == 302
    offering = Offering.objects.get(slug="kestrel-pay")
    approved = _approve(offering)
    assert approved.approved_history_id == offering.history.latest().history_id
    assert approved.approved_at is not None


def test_an_edit_in_the_admin_reopens_an_approved_offering(staff_client):
    assert staff_client.post(ADD, offering_form()).status_code == 302
    offering = Offering.objects.get(slug="kestrel-pay")
    approved = _approve(offering)
    url = reverse("admin:offerings_offering_change", args=[offering.pk])
    assert staff_client.post(url, offering_form(hard_cap="9000000")).status_code == 302
    _assert_reopened(offering, approved)


def test_an_import_reopens_an_approved_offering(tmp_path, editor):
    offering_update(
        offering=Offering.objects.create(name="Gamma", slug="gamma", kind="ico"),
        record={"description": "First."},
        user=editor,
    )
    offering = Offering.objects.get(slug="gamma")
    approved = _approve(offering)
    path = tmp_path / "gamma.jsonl"
    path.write_text(json.dumps({"slug": "gamma", "description": "Changed by import."}) + "\n")
    call_command("import_offerings", str(path), stdout=io.StringIO())
    _assert_reopened(offering, approved)


def test_a_created_offering_has_no_review_to_reopen_and_none_is_looked_for(editor):
    """The offerings a write created are left out; the others of the same write are not."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from diligence.apps import reopen_changed_reviews

    existing = Offering.objects.create(name="Delta", slug="delta", kind="ico")
    approved = _approve(existing)
    created = offering_create(
        record={"name": "Epsilon", "slug": "epsilon", "kind": "ico"}, user=editor
    )
    with CaptureQueriesContext(connection) as captured:
        reopen_changed_reviews(Offering, [created.pk], created_ids=[created.pk])
    assert captured.captured_queries == []
    reopen_changed_reviews(Offering, [created.pk, existing.pk], created_ids=[created.pk])
    _assert_reopened(existing, approved)
