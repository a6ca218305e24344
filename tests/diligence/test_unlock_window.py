"""tokens.unlock_overhang depends on the date: rescoring must notice an unlock entering or
leaving its window with no edit to the offering."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from diligence.models import Assessment
from diligence.queueing import offerings_with_moved_unlock_window, rescore_sweep
from diligence.rescoring import assessments_refresh
from offerings.models import Offering
from offerings.unlock_events import unlock_events_refresh
from tests.factories import OfferingFactory, TokenAllocationFactory

pytestmark = pytest.mark.django_db

SALE_END = dt.date(2026, 1, 31)
# The team's one-shot unlock: 12 months after the sale's end.
UNLOCK = dt.date(2027, 1, 31)


@pytest.fixture
def offering():
    offering = OfferingFactory(end_date=SALE_END)
    TokenAllocationFactory(
        offering=offering, bucket="public_sale", percent=Decimal(40), tge_percent=Decimal(100)
    )
    TokenAllocationFactory(
        offering=offering,
        bucket="team",
        percent=Decimal(20),
        vesting_months=12,
        cliff_months=0,
        unlock_frequency="once",
    )
    unlock_events_refresh(offering_ids=[offering.pk])
    return offering


def overhang(offering: Offering) -> tuple[str, str]:
    finding = Assessment.objects.current().get(offering=offering).finding("tokens.unlock_overhang")
    return finding.outcome, finding.evidence


def test_the_nightly_rescore_flags_an_unlock_that_entered_the_window(offering):
    assessments_refresh(today=UNLOCK - dt.timedelta(days=120))
    assert overhang(offering)[0] == "pass"
    assessments_refresh(today=UNLOCK - dt.timedelta(days=60))  # what `manage.py rescore` runs
    assert overhang(offering) == (
        "flag",
        "team cliff unlock on 2027-01-31: 50% of circulating supply (over 5% within 90 days)",
    )


def test_the_sweep_picks_up_an_offering_whose_unlock_entered_the_window_today(offering):
    assessments_refresh(today=UNLOCK - dt.timedelta(days=91))
    Assessment.objects.update(created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
    entered = UNLOCK - dt.timedelta(days=90)
    assert offerings_with_moved_unlock_window(today=entered - dt.timedelta(days=1)) == set()
    assert offerings_with_moved_unlock_window(today=entered) == {offering.pk}
    assert rescore_sweep(today=entered).assessed == 1
    assert overhang(offering)[0] == "flag"


def test_the_sweep_picks_up_an_offering_whose_unlock_passed(offering):
    assessments_refresh(today=UNLOCK - dt.timedelta(days=1))
    Assessment.objects.update(created_at=dt.datetime(2027, 1, 30, 12, tzinfo=dt.UTC))
    assert offerings_with_moved_unlock_window(today=UNLOCK) == set()  # today still in the window
    the_day_after = UNLOCK + dt.timedelta(days=1)
    assert offerings_with_moved_unlock_window(today=the_day_after) == {offering.pk}
    rescore_sweep(today=the_day_after)
    assert overhang(offering) == ("pass", "every scheduled allocation unlocked by 2027-01-31")


def test_an_offering_assessed_after_the_crossing_is_left_alone(offering):
    entered = UNLOCK - dt.timedelta(days=90)
    assessments_refresh(today=entered)
    Assessment.objects.update(created_at=dt.datetime(2026, 11, 2, 8, tzinfo=dt.UTC))
    assert offerings_with_moved_unlock_window(today=entered) == set()
