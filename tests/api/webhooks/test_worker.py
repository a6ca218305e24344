"""A real Celery worker (own Redis, PostgreSQL) delivers to a real receiver, retry included."""

from __future__ import annotations

import pytest
from standardwebhooks.webhooks import Webhook

from api.webhooks.models import WebhookDelivery
from offerings.services import offering_create
from tests.api.webhooks.receiver import Answer
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.usefixtures("postgres")


def test_a_worker_delivers_an_event_and_retries_a_500_by_countdown(
    broker, celery_workers, receiver, make_endpoint
):
    endpoint, secret = make_endpoint(receiver.url, events=["offering.created"])
    receiver.script = [Answer(500)]
    celery_workers(
        broker,
        "hooks",
        WEBHOOKS_ALLOW_PRIVATE_URLS="1",
        WEBHOOKS_ALLOW_HTTP="1",
        WEBHOOKS_RETRY_SCHEDULE="1",
    )
    offering = offering_create(record={"name": "Worker Sale", "kind": "ico"})

    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(
            endpoint=endpoint, status=WebhookDelivery.Status.SUCCEEDED
        ).first(),
        timeout=60,
        what="the delivery to succeed after its retry",
    )
    assert delivery.attempts == 2
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.event_id
    event = Webhook(secret).verify(second.body, second.headers)
    assert (event["type"], event["data"]["slug"]) == ("offering.created", offering.slug)
