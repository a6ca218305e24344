"""Unlock alerts: watchers hear of large unlocks 30, 7 and 1 days ahead, never twice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from analyst.models import AnalystPreferences, Notification, Watch
from analyst.tasks import send_unlock_alerts
from analyst.unlock_alerts import unlock_alerts_send
from offerings.models import UnlockAlert
from offerings.unlock_events import unlock_events_refresh
from tests.factories import OfferingFactory, TokenAllocationFactory, UserFactory

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 31)
# The team's monthly tranches: 28 Feb (5% of supply over 40% circulating: 12.5%), 31 Mar
# (5 over 45: 11.1111%), 30 Apr (5 over 50: 10%), 31 May (5 over 55: 9.0909%).
FIRST = dt.date(2026, 2, 28)


@pytest.fixture
def offering():
    offering = OfferingFactory(name="Lumen", end_date=START)
    TokenAllocationFactory(
        offering=offering, bucket="public_sale", percent=Decimal(40), tge_percent=Decimal(100)
    )
    TokenAllocationFactory(
        offering=offering, bucket="team", percent=Decimal(20), vesting_months=4, cliff_months=0
    )
    unlock_events_refresh(offering_ids=[offering.pk])
    return offering


@pytest.fixture
def watcher(offering):
    user = UserFactory(username="watcher")
    Watch.objects.create(user=user, offering=offering)
    return user


def messages(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("message", flat=True))


@pytest.mark.parametrize(("lead", "when"), [(30, "in 30 days"), (7, "in 7 days"), (1, "tomorrow")])
def test_watchers_hear_of_a_large_unlock_at_each_lead_time(offering, watcher, lead, when):
    report = unlock_alerts_send(today=FIRST - dt.timedelta(days=lead))
    assert messages(watcher) == [
        f"Team unlock of Lumen {when} (2026-02-28): 12.5% of circulating supply"
    ]
    assert report.notifications == 1


def test_no_alert_on_other_days(offering, watcher):
    unlock_alerts_send(today=FIRST - dt.timedelta(days=8))
    assert messages(watcher) == []


def test_a_second_run_sends_nothing_twice(offering, watcher):
    today = FIRST - dt.timedelta(days=7)
    first = unlock_alerts_send(today=today)
    second = unlock_alerts_send(today=today)
    assert (first.notifications, second.notifications) == (1, 0)
    assert second.already_sent == 2  # the watcher's alert and the webhook announcement
    assert Notification.objects.count() == 1


def test_recomputed_events_do_not_send_again(offering, watcher):
    today = FIRST - dt.timedelta(days=7)
    unlock_alerts_send(today=today)
    unlock_events_refresh(offering_ids=[offering.pk])  # new event rows, same unlocks
    assert unlock_alerts_send(today=today).notifications == 0


def test_the_threshold_is_the_watchers_own(offering, watcher):
    picky = UserFactory(username="picky")
    Watch.objects.create(user=picky, offering=offering)
    AnalystPreferences.objects.create(user=picky, unlock_threshold_percent=Decimal(11))
    april = dt.date(2026, 4, 30)  # 10% of circulating supply
    unlock_alerts_send(today=april - dt.timedelta(days=7))
    assert len(messages(watcher)) == 1  # default 1%
    assert messages(picky) == []
    march = dt.date(2026, 3, 31)  # 11.1111%
    unlock_alerts_send(today=march - dt.timedelta(days=7))
    assert messages(picky) == [
        "Team unlock of Lumen in 7 days (2026-03-31): 11.1111% of circulating supply"
    ]


def test_only_watchers_are_told(offering, watcher):
    UserFactory(username="bystander")
    unlock_alerts_send(today=FIRST - dt.timedelta(days=1))
    assert Notification.objects.count() == 1


def test_the_run_costs_a_fixed_number_of_queries(offering, watcher, django_assert_num_queries):
    for n in range(3):
        user = UserFactory(username=f"w{n}")
        Watch.objects.create(user=user, offering=offering)
    # events, watchers, alerts sent; then savepoint, alerts insert, notifications insert.
    with django_assert_num_queries(7):
        unlock_alerts_send(today=FIRST - dt.timedelta(days=30))


def test_the_beat_task_runs_the_alerts_for_today(offering, watcher, monkeypatch):
    monkeypatch.setattr(
        "django.utils.timezone.localdate", lambda *args: FIRST - dt.timedelta(days=1)
    )
    assert send_unlock_alerts() == {"notifications": 1, "announcements": 1, "already_sent": 0}
    assert UnlockAlert.objects.filter(user__isnull=True, lead_days=1).count() == 1
