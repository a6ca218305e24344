"""Each offering carries a copy of its current assessment's score and risk rank, so that the
list can sort by them with an index; the rescoring keeps the copy in step and edits leave it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from diligence.models import Assessment
from diligence.rescoring import assessments_refresh
from diligence.vocabulary import RISK_ORDER, risk_rank
from offerings.models import Offering
from offerings.services import offering_update
from tests.factories import OfferingFactory, full_offering

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def copies(offering: Offering) -> tuple:
    return Offering.objects.values_list("current_score", "current_risk_rank").get(pk=offering.pk)


def current(offering: Offering) -> tuple:
    assessment = Assessment.objects.current().get(offering=offering)
    return assessment.score, risk_rank(assessment.risk)


def test_the_bulk_rescoring_copies_score_and_risk_onto_every_offering():
    offerings = [full_offering(), OfferingFactory(), full_offering(hard_cap=Decimal(0))]
    assert {copies(o) for o in offerings} == {(None, None)}
    assessments_refresh(today=TODAY)
    for offering in offerings:
        assert copies(offering) == current(offering)
        assert copies(offering)[1] in range(len(RISK_ORDER))


def test_a_rescore_that_changes_the_score_moves_the_copy(django_capture_on_commit_callbacks):
    offering = full_offering()
    assessments_refresh(today=TODAY)
    before = copies(offering)
    with django_capture_on_commit_callbacks(execute=True):
        offering_update(offering=offering, record={"hard_cap": "0", "whitepaper_url": None})
    assert copies(offering) == current(offering) != before


def test_saving_a_stale_offering_does_not_write_its_old_copy_back():
    offering = full_offering()
    stale = Offering.objects.get(pk=offering.pk)  # read before the rescoring
    assessments_refresh(today=TODAY)
    stale.description = "Edited after the rescoring."
    stale.save()
    assert copies(offering) == current(offering) != (None, None)


def test_an_import_update_of_a_stale_offering_keeps_the_copy():
    offering = full_offering()
    assessments_refresh(today=TODAY)
    kept = copies(offering)
    offering_update(offering=offering, record={"description": "A new description."})
    assert copies(offering) == kept


def test_a_single_saved_assessment_updates_the_copy_too():
    offering = OfferingFactory()
    Assessment.objects.create(
        offering=offering,
        created_at=timezone.now(),
        methodology_version="test",
        score=Decimal("42.5"),
        grade="D",
        risk="high",
        coverage=Decimal("0.5"),
        digest="x",
    )
    assert copies(offering) == (Decimal("42.5"), RISK_ORDER.index("high"))
