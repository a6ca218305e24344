"""Deliveries through Celery (eager) to a real HTTP receiver on 127.0.0.1, faults included."""

import datetime as dt
import json

import httpx
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api.webhooks.delivery import (
    ERROR_CONNECT,
    ERROR_DESTINATION,
    deliveries_send,
    retry_delay,
)
from api.webhooks.models import WebhookDelivery
from api.webhooks.services import delivery_redeliver, endpoint_ping, endpoint_secret_rotate
from api.webhooks.tasks import deliver_due_webhooks
from tests.api.webhooks.receiver import Answer

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status


@pytest.fixture
def ping(django_capture_on_commit_callbacks):
    def send(endpoint) -> WebhookDelivery:
        with django_capture_on_commit_callbacks(execute=True):
            delivery = endpoint_ping(endpoint=endpoint)
        delivery.refresh_from_db()
        return delivery

    return send


def verified(received, secret) -> dict:
    return Webhook(secret).verify(received.body, received.headers)


def test_a_delivery_is_signed_per_standard_webhooks_and_logged(receiver, make_endpoint, ping):
    endpoint, secret = make_endpoint(receiver.url)
    delivery = ping(endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        Status.SUCCEEDED,
        1,
        200,
    )
    assert delivery.latency_ms is not None and delivery.last_error == ""
    (request,) = receiver.received
    payload = verified(request, secret)
    assert payload["type"] == "webhook.ping"
    assert payload["data"]["endpoint_id"] == endpoint.pk
    assert payload["timestamp"].endswith("Z")
    assert request.headers["webhook-id"] == delivery.event_id
    assert request.headers["content-type"] == "application/json"


def test_the_retry_schedule_backs_off_exponentially_with_bounded_jitter(settings):
    settings.WEBHOOKS_RETRY_SCHEDULE = [5, 300, 1800, 7200]
    settings.WEBHOOKS_RETRY_JITTER_PERCENT = 20
    seconds = [retry_delay(attempt, jitter=0).total_seconds() for attempt in range(1, 5)]
    assert seconds == [5, 300, 1800, 7200]
    assert retry_delay(2, jitter=1).total_seconds() == 360
    assert retry_delay(2, jitter=-1).total_seconds() == 240
    assert retry_delay(5) is None
    for _ in range(50):
        assert 240 <= retry_delay(2).total_seconds() <= 360


def test_a_500_is_retried_after_the_backoff_and_then_succeeds(receiver, make_endpoint, ping):
    endpoint, secret = make_endpoint(receiver.url)
    receiver.script = [Answer(500, body=b"database down")]
    before = timezone.now()
    delivery = ping(endpoint)
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        Status.RETRYING,
        1,
        500,
    )
    assert delivery.last_error == "HTTP 500: database down"
    wait = (delivery.next_attempt_at - before).total_seconds()
    assert 4 <= wait <= 6.5  # 5 s ± 20%

    # Not due yet: nothing is sent.
    deliveries_send(delivery_ids=[delivery.pk])
    assert len(receiver.received) == 1

    deliveries_send(delivery_ids=[delivery.pk], now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == (
        Status.SUCCEEDED,
        2,
        200,
    )
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    verified(second, secret)


def test_the_beat_task_sends_retries_that_are_due(
    receiver, make_endpoint, ping, django_capture_on_commit_callbacks
):
    endpoint, _ = make_endpoint(receiver.url)
    receiver.script = [Answer(503)]
    delivery = ping(endpoint)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_due_webhooks.delay().get() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.SUCCEEDED, 2)


def test_a_receiver_that_does_not_answer_in_time_is_retried(
    receiver, make_endpoint, ping, settings
):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    endpoint, _ = make_endpoint(receiver.url)
    receiver.script = [Answer(200, delay=1.5)]
    delivery = ping(endpoint)
    assert delivery.status == Status.RETRYING
    assert delivery.response_code is None
    assert delivery.last_error.startswith("timed out")


def test_410_gone_disables_the_endpoint_at_once(receiver, make_endpoint, ping):
    endpoint, _ = make_endpoint(receiver.url)
    receiver.script = [Answer(410)]
    delivery = ping(endpoint)
    assert (delivery.status, delivery.next_attempt_at) == (Status.FAILED, None)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert "410" in endpoint.disabled_reason
    with pytest.raises(ValidationError, match="is disabled"):
        endpoint_ping(endpoint=endpoint)


def test_redirects_are_not_followed(receiver, make_endpoint, ping):
    endpoint, _ = make_endpoint(receiver.url)
    receiver.script = [Answer(302, headers={"location": "http://169.254.169.254/"})]
    delivery = ping(endpoint)
    assert (delivery.status, delivery.response_code) == (Status.RETRYING, 302)
    assert len(receiver.received) == 1


def test_an_endpoint_is_disabled_after_n_deliveries_in_a_row_fail(
    receiver, make_endpoint, ping, settings
):
    settings.WEBHOOKS_RETRY_SCHEDULE = []  # each delivery gets one attempt
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 3
    endpoint, _ = make_endpoint(receiver.url)
    receiver.script = [Answer(500), Answer(200), Answer(500), Answer(500), Answer(500)]
    statuses = [ping(endpoint).status for _ in range(4)]
    assert statuses == [Status.FAILED, Status.SUCCEEDED, Status.FAILED, Status.FAILED]
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (True, 2)  # reset by the 200
    ping(endpoint)
    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert endpoint.disabled_reason == "3 deliveries in a row failed every attempt"


def test_a_queued_delivery_to_an_endpoint_disabled_since_is_not_sent(make_endpoint):
    endpoint, _ = make_endpoint()
    delivery = endpoint_ping(endpoint=endpoint)  # queued on commit, which never comes here
    endpoint.is_active, endpoint.disabled_reason = False, "disabled by its owner"
    endpoint.save()
    sent = []
    deliveries_send(
        delivery_ids=[delivery.pk], transport=httpx.MockTransport(lambda r: sent.append(r))
    )
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert "endpoint is disabled" in delivery.last_error
    assert sent == []


def test_a_redelivery_resends_the_same_event_as_a_new_logged_delivery(
    receiver, make_endpoint, ping, django_capture_on_commit_callbacks
):
    endpoint, secret = make_endpoint(receiver.url)
    original = ping(endpoint)
    with django_capture_on_commit_callbacks(execute=True):
        again = delivery_redeliver(delivery=original)
    again.refresh_from_db()
    assert again.pk != original.pk
    assert (again.status, again.redelivery_of_id) == (Status.SUCCEEDED, original.pk)
    first, second = receiver.received
    assert first.body == second.body
    assert second.headers["webhook-id"] == original.event_id
    verified(second, secret)


def test_during_a_rotation_both_secrets_verify_until_the_overlap_ends(
    receiver, make_endpoint, ping
):
    endpoint, old = make_endpoint(receiver.url)
    new = endpoint_secret_rotate(endpoint=endpoint, overlap_hours=24)
    assert new != old
    ping(endpoint)
    request = receiver.received[-1]
    verified(request, new)
    verified(request, old)

    endpoint.previous_secret_expires_at = timezone.now() - dt.timedelta(seconds=1)
    endpoint.save()
    ping(endpoint)
    request = receiver.received[-1]
    verified(request, new)
    with pytest.raises(WebhookVerificationError):
        verified(request, old)


def test_connects_to_the_checked_address_keeping_the_host_header(
    receiver, make_endpoint, ping, settings
):
    port = receiver.server.server_address[1]
    endpoint, secret = make_endpoint(f"http://hooks.example.test:{port}/hook")
    sent = []

    def local(host, port):
        sent.append(host)
        return ["127.0.0.1"]

    delivery = endpoint_ping(endpoint=endpoint)
    deliveries_send(delivery_ids=[delivery.pk], resolver=local)
    assert sent == ["hooks.example.test"]
    (request,) = receiver.received
    assert request.headers["host"] == f"hooks.example.test:{port}"
    verified(request, secret)


def test_an_address_that_turned_private_after_subscription_is_not_contacted(make_endpoint):
    endpoint, _ = make_endpoint("https://hooks.example.com/in")
    delivery = endpoint_ping(endpoint=endpoint)
    sent = []
    deliveries_send(
        delivery_ids=[delivery.pk],
        resolver=lambda host, port: ["169.254.169.254"],
        transport=httpx.MockTransport(lambda request: sent.append(request)),
    )
    delivery.refresh_from_db()
    assert sent == []
    assert delivery.status == Status.RETRYING
    # The owner learns the category, not the address it resolved to (no probing of our network).
    assert delivery.last_error == ERROR_DESTINATION
    assert "169.254" not in delivery.last_error


def test_connection_failures_are_reported_as_a_category_without_detail(make_endpoint):
    endpoint, _ = make_endpoint("https://hooks.example.com/in")
    delivery = endpoint_ping(endpoint=endpoint)

    def refuse(request):
        raise httpx.ConnectError("[Errno 111] Connection refused to 10.1.2.3:443")

    deliveries_send(
        delivery_ids=[delivery.pk],
        resolver=lambda host, port: ["93.184.216.34"],
        transport=httpx.MockTransport(refuse),
    )
    delivery.refresh_from_db()
    assert delivery.last_error == ERROR_CONNECT


def test_the_body_is_compact_sorted_json_of_the_stored_payload(receiver, make_endpoint, ping):
    endpoint, _ = make_endpoint(receiver.url)
    delivery = ping(endpoint)
    body = receiver.received[0].body
    assert json.loads(body) == delivery.payload
    assert body == json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def test_a_task_queues_soon_retries_with_a_countdown_and_what_its_deadline_left(
    receiver, make_endpoint, settings, monkeypatch
):
    from api.webhooks import tasks

    endpoint, _ = make_endpoint(receiver.url)
    first, second = (endpoint_ping(endpoint=endpoint) for _ in range(2))
    receiver.script = [Answer(500)]
    settings.WEBHOOKS_TASK_SECONDS = 0  # the budget runs out after the first attempt
    queued, later = [], []
    monkeypatch.setattr(tasks.deliver_webhooks, "delay", queued.append)
    monkeypatch.setattr(
        tasks.deliver_webhooks,
        "apply_async",
        lambda args, countdown: later.append((args[0], countdown)),
    )
    assert tasks.deliver_webhooks([first.pk, second.pk]) == 1
    assert queued == [[second.pk]]
    ((ids, countdown),) = later
    assert ids == [first.pk]
    assert 4 <= countdown <= 6
    assert len(receiver.received) == 1


def test_finished_deliveries_past_the_retention_are_pruned(make_endpoint, settings):
    from api.webhooks.delivery import deliveries_prune

    settings.WEBHOOKS_LOG_RETENTION_DAYS = 30
    endpoint, _ = make_endpoint()
    old = timezone.now() - dt.timedelta(days=31)
    rows = {
        status: WebhookDelivery.objects.create(
            endpoint=endpoint, event_id=f"msg_{status}", event_type="x", payload={}, status=status
        )
        for status in Status.values
    }
    WebhookDelivery.objects.update(created_at=old)
    fresh = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="msg_new", event_type="x", payload={}, status=Status.FAILED
    )
    assert deliveries_prune() == 2
    kept = set(WebhookDelivery.objects.values_list("pk", flat=True))
    assert kept == {rows[Status.PENDING].pk, rows[Status.RETRYING].pk, fresh.pk}
