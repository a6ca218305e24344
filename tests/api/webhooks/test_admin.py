import pytest

from api.webhooks.models import WebhookDelivery
from api.webhooks.services import endpoint_ping

pytestmark = pytest.mark.django_db
ENDPOINTS = "/admin/webhooks/webhookendpoint/"
DELIVERIES = "/admin/webhooks/webhookdelivery/"


def test_endpoint_pages_never_show_the_secret(staff_client, make_endpoint):
    endpoint, secret = make_endpoint(description="CRM hook")
    for page in (ENDPOINTS, f"{ENDPOINTS}{endpoint.pk}/change/"):
        content = staff_client.get(page).content.decode()
        assert "hooks.example.com" in content
        assert secret not in content
        assert endpoint.secret_encrypted not in content


def test_the_delivery_log_filters_by_status_and_event(staff_client, make_endpoint):
    endpoint, _ = make_endpoint()
    ping = endpoint_ping(endpoint=endpoint)
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event_id="msg_failed",
        event_type="risk.changed",
        payload={},
        status="failed",
    )
    content = staff_client.get(DELIVERIES, {"status__exact": "failed"}).content.decode()
    assert "msg_failed" in content and ping.event_id not in content
    content = staff_client.get(DELIVERIES, {"event_type": "webhook.ping"}).content.decode()
    assert ping.event_id in content and "msg_failed" not in content
    delivery = WebhookDelivery.objects.get(event_id="msg_failed")
    page = staff_client.get(f"{DELIVERIES}{delivery.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # read-only


def test_the_redeliver_action_queues_a_new_delivery(staff_client, make_endpoint):
    endpoint, _ = make_endpoint()
    original = WebhookDelivery.objects.create(
        endpoint=endpoint, event_id="msg_r", event_type="risk.changed", payload={"a": 1}
    )
    response = staff_client.post(
        DELIVERIES, {"action": "redeliver", "_selected_action": [original.pk]}, follow=True
    )
    assert b"1 redelivery(ies) queued" in response.content
    again = WebhookDelivery.objects.exclude(pk=original.pk).get()
    assert (again.event_id, again.redelivery_of) == ("msg_r", original)


def test_the_enable_action_re_enables_and_clears_the_streak(staff_client, make_endpoint):
    endpoint, _ = make_endpoint()
    endpoint.is_active, endpoint.disabled_reason, endpoint.consecutive_failures = False, "x", 5
    endpoint.save()
    staff_client.post(ENDPOINTS, {"action": "enable", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert (endpoint.is_active, endpoint.consecutive_failures) == (True, 0)


def test_staff_cannot_point_an_endpoint_at_a_private_address(staff_client, make_endpoint):
    endpoint, _ = make_endpoint()
    response = staff_client.post(
        f"{ENDPOINTS}{endpoint.pk}/change/",
        {
            "owner": endpoint.owner_id,
            "url": "https://10.0.0.5/in",
            "description": "",
            "events": '["offering.created"]',
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "a private address" in response.content.decode()
    endpoint.refresh_from_db()
    assert endpoint.url == "https://hooks.example.com/in"
