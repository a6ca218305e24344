"""Domain changes become webhook events: created/updated, import, rescore, listings."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from analyst.unlock_alerts import unlock_alerts_send
from api.webhooks import dispatch
from api.webhooks.dispatch import OfferingEvent, events_publish
from api.webhooks.models import Event, WebhookDelivery
from diligence.models import Assessment
from diligence.rescoring import assessments_refresh
from offerings.importing import SourceRow, offerings_import
from offerings.models import Offering
from offerings.services import offering_create, offering_update
from offerings.signals import listings_changed
from offerings.unlock_events import unlock_events_refresh
from tests.factories import OfferingFactory, TokenAllocationFactory, full_offering

pytestmark = pytest.mark.django_db


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run the on-commit work (rescoring, fan-out, eager Celery deliveries) of the block."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def queued(monkeypatch):
    """The delivery batches handed to Celery, instead of sending them."""
    batches: list[list[int]] = []
    monkeypatch.setattr(dispatch, "_send", batches.extend)
    return batches


def events_received(receiver, secret) -> list[dict]:
    return [Webhook(secret).verify(r.body, r.headers) for r in receiver.received]


def test_creating_an_offering_announces_offering_created(receiver, make_endpoint, commit):
    _, secret = make_endpoint(receiver.url, events=["offering.created", "offering.updated"])
    with commit():
        offering = offering_create(record={"name": "Hook Sale", "kind": "ico"})
    (event,) = events_received(receiver, secret)
    assert event["type"] == "offering.created"
    assert event["data"]["slug"] == offering.slug
    assert event["data"]["name"] == "Hook Sale"
    assert event["data"]["url"].endswith(f"/offerings/{offering.slug}/")


def test_updating_an_offering_announces_offering_updated(receiver, make_endpoint, commit):
    offering = OfferingFactory()
    _, secret = make_endpoint(receiver.url, events=["offering.created", "offering.updated"])
    with commit():
        offering_update(offering=offering, record={"hard_cap": "0"})
    assert [event["type"] for event in events_received(receiver, secret)] == ["offering.updated"]


def test_an_import_announces_each_new_offering_in_batched_tasks(
    make_endpoint, commit, queued, settings
):
    settings.WEBHOOKS_TASK_BATCH = 2
    endpoint, _ = make_endpoint(events=["offering.created"])
    rows = [SourceRow(n, {"name": f"Batch {n}", "kind": "ico"}) for n in range(1, 6)]
    with commit():
        offerings_import(rows=rows)
    deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert deliveries.count() == 5
    assert set(deliveries.values_list("event_type", flat=True)) == {"offering.created"}
    assert len(set(deliveries.values_list("event_id", flat=True))) == 5  # one event each
    assert sorted(len(batch) for batch in queued) == [1, 2, 2]
    assert sorted(pk for batch in queued for pk in batch) == sorted(
        deliveries.values_list("pk", flat=True)
    )


def test_a_rescore_that_moves_the_risk_announces_risk_and_assessment_changes(make_endpoint, queued):
    offering = full_offering()
    assessments_refresh()
    endpoint, _ = make_endpoint(events=["risk.changed", "assessment.changed"])
    current = Assessment.objects.current().get(offering=offering)
    other_risk = "low" if current.risk != "low" else "critical"
    Assessment.objects.filter(pk=current.pk).update(risk=other_risk, grade="Z", digest="old")
    with transaction.atomic():
        assessments_refresh()  # outside a commit hook the fan-out waits for this commit
        assert not WebhookDelivery.objects.exists()
    # The test's own transaction never commits; run what commit would have run.
    _run_on_commit_hooks()
    by_type = {d.event_type: d.payload for d in WebhookDelivery.objects.filter(endpoint=endpoint)}
    assert set(by_type) == {"risk.changed", "assessment.changed"}
    data = by_type["risk.changed"]["data"]
    assert data["slug"] == offering.slug
    assert (data["old"]["risk"], data["new"]["risk"]) == (other_risk, current.risk)
    assert (data["old"]["grade"], data["new"]["grade"]) == ("Z", current.grade)
    assert data["new"]["score"] == str(current.score)
    assert data["new"]["flags"] == list(current.flags)


def test_a_first_assessment_is_an_assessment_change_but_no_risk_change(
    make_endpoint, commit, queued
):
    endpoint, _ = make_endpoint(events=["risk.changed", "assessment.changed"])
    with commit():
        offering = offering_create(record={"name": "Fresh", "kind": "ico"})
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert delivery.event_type == "assessment.changed"
    assert delivery.payload["data"]["slug"] == offering.slug
    assert delivery.payload["data"]["old"]["risk"] is None
    assert delivery.payload["data"]["new"]["risk"]


def test_a_listing_change_announces_listing_changed(make_endpoint, commit, queued):
    offering = OfferingFactory()
    endpoint, _ = make_endpoint(events=["listing.changed"])
    with commit(), transaction.atomic():
        listings_changed.send(sender=Offering, offering_ids=[offering.pk])
    (delivery,) = WebhookDelivery.objects.filter(endpoint=endpoint)
    assert (delivery.event_type, delivery.payload["data"]["slug"]) == (
        "listing.changed",
        offering.slug,
    )


def test_only_active_endpoints_subscribed_to_the_event_get_it(make_endpoint, queued):
    offering = OfferingFactory()
    subscribed, _ = make_endpoint(events=["offering.updated"])
    make_endpoint(events=["offering.created"])
    disabled, _ = make_endpoint(events=["offering.updated"])
    disabled.is_active = False
    disabled.save()
    events_publish(
        events=[OfferingEvent(Event.OFFERING_UPDATED, offering.pk)], occurred_at=timezone.now()
    )
    assert list(WebhookDelivery.objects.values_list("endpoint_id", flat=True)) == [subscribed.pk]


def _publish(count: int) -> list[str]:
    offerings = OfferingFactory.create_batch(count)
    events = [OfferingEvent(Event.OFFERING_UPDATED, o.pk) for o in offerings]
    with CaptureQueriesContext(connection) as queries:
        events_publish(events=events, occurred_at=timezone.now())
    return [query["sql"] for query in queries]


def _not_inserts(statements: list[str]) -> list[str]:
    """SQLite splits a bulk INSERT every 999 parameters; PostgreSQL sends one."""
    return [
        sql for sql in statements if not sql.startswith('INSERT INTO "webhooks_webhookdelivery"')
    ]


def test_the_fan_out_makes_a_fixed_number_of_queries(make_endpoint, queued):
    make_endpoint(events=["offering.updated"])
    make_endpoint(events=["offering.updated", "offering.created"])
    few = _publish(3)
    many = _publish(200)
    # endpoints, offerings, savepoint, release (and the INSERT of every delivery)
    assert len(_not_inserts(few)) == len(_not_inserts(many)) == 4
    if connection.vendor == "postgresql":
        assert len(few) == len(many) == 5
    assert WebhookDelivery.objects.count() == 2 * (3 + 200)


def test_without_subscribers_the_fan_out_is_one_query(make_endpoint, queued):
    make_endpoint(events=["listing.changed"])
    assert len(_publish(20)) == 1
    assert not WebhookDelivery.objects.exists()
    assert queued == []


def _run_on_commit_hooks() -> None:
    callbacks = list(connection.run_on_commit)
    connection.run_on_commit.clear()
    for _, callback, _ in callbacks:
        callback()


def test_an_unlock_alert_run_announces_unlock_upcoming_once(receiver, make_endpoint, commit):
    offering = OfferingFactory(slug="lumen", end_date=dt.date(2026, 1, 31))
    TokenAllocationFactory(
        offering=offering, bucket="public_sale", percent=Decimal(40), tge_percent=Decimal(100)
    )
    TokenAllocationFactory(
        offering=offering, bucket="team", percent=Decimal(20), vesting_months=4, cliff_months=0
    )
    unlock_events_refresh(offering_ids=[offering.pk])
    _, secret = make_endpoint(receiver.url, events=["unlock.upcoming"])
    for _ in range(2):  # the second run of the day announces nothing again
        with commit():
            unlock_alerts_send(today=dt.date(2026, 2, 21))
    (event,) = events_received(receiver, secret)
    assert event["type"] == "unlock.upcoming"
    assert event["data"]["slug"] == "lumen"
    assert event["data"]["unlock"] == {
        "date": "2026-02-28",
        "bucket": "team",
        "kind": "linear",
        "days_ahead": 7,
        "percent_of_circulating": "12.5",
        "percent_of_supply": "5",
        "tokens": "5000000",
    }
