"""A real Celery worker runs the daily unlock alerts from the beat schedule: the watcher is told
once, however often the task runs. Needs PostgreSQL and redis-server (skips without)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from celery.beat import Scheduler
from celery.schedules import crontab
from django.utils import timezone

from analyst.models import Notification, Watch
from config.celery import app
from offerings.models import UnlockAlert
from offerings.unlock_events import unlock_events_refresh
from tests.factories import OfferingFactory, TokenAllocationFactory, UserFactory
from tests.integration.conftest import wait_for
from tests.integration.test_market_worker import beat_entries


def test_the_beat_schedule_runs_the_unlock_alerts_daily():
    entry = beat_entries()["unlock-alerts"]
    assert entry.task == "analyst.tasks.send_unlock_alerts"
    assert entry.task in app.tasks
    assert isinstance(entry.schedule, crontab) and entry.schedule.minute == {0}


def test_a_worker_sends_the_unlock_alert_once(postgres, broker, celery_workers):
    today = timezone.localdate()
    offering = OfferingFactory(name="Worker Unlock", end_date=today - dt.timedelta(days=10))
    TokenAllocationFactory(
        offering=offering, bucket="public_sale", percent=Decimal(40), tge_percent=Decimal(100)
    )
    TokenAllocationFactory(  # all at once a week from now: 20% of supply over 40% circulating
        offering=offering,
        bucket="team",
        percent=Decimal(20),
        tge_percent=Decimal(100),
        vesting_start=today + dt.timedelta(days=7),
    )
    unlock_events_refresh(offering_ids=[offering.pk])
    watcher = UserFactory(username="unlock-watcher")
    Watch.objects.create(user=watcher, offering=offering)
    worker = celery_workers(broker, "unlocks")
    scheduler = Scheduler(app=app, lazy=True)
    entry = beat_entries()["unlock-alerts"]

    scheduler.apply_async(entry)
    wait_for(
        lambda: Notification.objects.filter(user=watcher).exists(),
        timeout=60,
        what="the unlock alert written by the worker",
    )
    scheduler.apply_async(entry)  # a second run the same day
    wait_for(
        lambda: worker.log().count("'already_sent': 2}") == 1,
        timeout=60,
        what="the second run to finish, finding both alerts sent",
    )
    (notification,) = Notification.objects.filter(user=watcher)
    assert notification.kind == "unlock_soon"
    assert notification.message == (
        f"Team unlock of Worker Unlock in 7 days ({today + dt.timedelta(days=7)}): "
        "50% of circulating supply"
    )
    assert UnlockAlert.objects.filter(user__isnull=True).count() == 1  # the webhook's record
