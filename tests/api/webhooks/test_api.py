"""/api/v1/webhooks/: scope, IDOR, create/rotate secrets shown once, deliveries, redelivery."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from standardwebhooks.webhooks import Webhook

from api.webhooks import destinations
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.api.webhooks.conftest import public_resolver

pytestmark = pytest.mark.django_db
BASE = "/api/v1/webhooks/"
SCOPE = ("webhooks:manage",)
NEW = {"url": "https://hooks.example.com/in", "events": ["offering.created", "risk.changed"]}


@pytest.fixture(autouse=True)
def _public_dns(monkeypatch):
    monkeypatch.setattr(destinations, "resolve", public_resolver)


@pytest.fixture
def manager(api_key, api_client, api_user):
    return api_client(api_key(scopes=SCOPE))


@pytest.fixture
def mine(make_endpoint, api_user):
    endpoint, _ = make_endpoint(user=api_user)
    return endpoint


def test_a_key_without_the_webhooks_scope_is_refused(api_key, api_client, mine):
    client = api_client(api_key(scopes=("offerings:read", "offerings:write")))
    for response in (client.get(BASE), client.post(BASE, NEW), client.get(f"{BASE}{mine.pk}/")):
        assert response.status_code == 403
        assert "webhooks:manage" in response.json()["detail"]
    assert WebhookEndpoint.objects.count() == 1


def test_no_key_is_401(api_client):
    assert api_client(None).get(BASE).status_code == 401


def test_creating_an_endpoint_returns_its_secret_once(manager, api_user):
    response = manager.post(BASE, {**NEW, "description": "CRM"})
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["events"] == NEW["events"]
    endpoint = WebhookEndpoint.objects.get(pk=body["id"])
    assert (endpoint.owner, endpoint.description) == (api_user, "CRM")
    shown = manager.get(f"{BASE}{endpoint.pk}/").json()
    assert "secret" not in shown
    assert body["secret"] not in str(manager.get(BASE).json())


def test_creation_refuses_an_idempotency_key_since_the_secret_is_never_stored(manager):
    response = manager.post(BASE, NEW, headers={"Idempotency-Key": "create-1"})
    assert response.status_code == 400
    assert "never stored" in response.json()["detail"]
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://hooks.example.com/in", "must use https://"),
        ("https://127.0.0.1/in", "a loopback address"),
        ("https://169.254.169.254/latest", "a link-local address"),
        ("https://[::ffff:10.0.0.1]/in", "private address (10.0.0.1) inside an IPv6"),
    ],
)
def test_unsafe_urls_are_refused_naming_field_value_and_rule(manager, url, rule):
    response = manager.post(BASE, {**NEW, "url": url})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert (error["field"], error["value"]) == ("url", url)
    assert rule in error["rule"]


def test_a_hostname_resolving_to_a_private_address_is_refused(manager, monkeypatch):
    monkeypatch.setattr(destinations, "resolve", lambda host, port: ["10.0.0.8"])
    response = manager.post(BASE, NEW)
    assert response.status_code == 400
    assert "resolves to 10.0.0.8, a private address" in response.json()["errors"][0]["rule"]


def test_unknown_events_are_refused(manager):
    response = manager.post(BASE, {**NEW, "events": ["offering.deleted"]})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"].startswith("events")


def test_another_users_endpoints_are_invisible(manager, make_endpoint, outsider):
    theirs, _ = make_endpoint(user=outsider)
    delivery = WebhookDelivery.objects.create(
        endpoint=theirs, event_id="msg_x", event_type="webhook.ping", payload={}
    )
    paths = [
        f"{BASE}{theirs.pk}/",
        f"{BASE}{theirs.pk}/deliveries/",
        f"{BASE}{theirs.pk}/deliveries/{delivery.pk}/",
    ]
    for path in paths:
        assert manager.get(path).status_code == 404
    assert manager.patch(f"{BASE}{theirs.pk}/", {"description": "mine"}).status_code == 404
    assert manager.delete(f"{BASE}{theirs.pk}/").status_code == 404
    assert manager.post(f"{BASE}{theirs.pk}/rotate-secret/", {}).status_code == 404
    assert manager.post(f"{BASE}{theirs.pk}/ping/").status_code == 404
    redeliver = f"{BASE}{theirs.pk}/deliveries/{delivery.pk}/redeliver/"
    assert manager.post(redeliver).status_code == 404
    assert manager.get(BASE).json()["results"] == []
    theirs.refresh_from_db()
    assert theirs.description == ""


def test_a_users_endpoint_list_queries_do_not_grow_with_its_size(manager, make_endpoint, api_user):
    make_endpoint(user=api_user)
    manager.get(BASE)  # the key's first use records last_used_at once
    with CaptureQueriesContext(connection) as few:
        assert len(manager.get(BASE).json()["results"]) == 1
    for _ in range(8):
        make_endpoint(user=api_user)
    with CaptureQueriesContext(connection) as many:
        assert len(manager.get(BASE).json()["results"]) == 9
    # key lookup, the list, and 2 for the owner's permissions (a key can do no more than its owner)
    assert len(many) == len(few) <= 5


def test_patch_changes_events_and_re_enables_a_disabled_endpoint(manager, mine):
    mine.is_active, mine.disabled_reason, mine.consecutive_failures = False, "410 Gone", 3
    mine.save()
    response = manager.patch(
        f"{BASE}{mine.pk}/", {"events": ["listing.changed"], "is_active": True}
    )
    assert response.status_code == 200, response.json()
    mine.refresh_from_db()
    assert (mine.events, mine.is_active, mine.disabled_reason) == (["listing.changed"], True, "")
    assert mine.consecutive_failures == 0


def test_delete_removes_the_endpoint(manager, mine):
    assert manager.delete(f"{BASE}{mine.pk}/").status_code == 204
    assert not WebhookEndpoint.objects.exists()


def test_rotation_returns_the_new_secret_and_keeps_the_old_for_the_overlap(manager, mine):
    response = manager.post(f"{BASE}{mine.pk}/rotate-secret/", {"overlap_hours": 2})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["previous_secret_expires_at"]
    refused = manager.post(f"{BASE}{mine.pk}/rotate-secret/", {"overlap_hours": 500})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "overlap_hours"


def test_writes_must_be_signed(manager, mine):
    response = manager.patch(f"{BASE}{mine.pk}/", {"description": "x"}, sign=False)
    assert response.status_code == 401


def test_ping_delivers_and_the_log_and_redelivery_work(
    api_key, api_client, api_user, receiver, make_endpoint, django_capture_on_commit_callbacks
):
    manager = api_client(api_key(scopes=SCOPE))
    endpoint, secret = make_endpoint(receiver.url, user=api_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(f"{BASE}{endpoint.pk}/ping/")
    assert response.status_code == 202, response.json()
    (request,) = receiver.received
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "webhook.ping"

    log = manager.get(f"{BASE}{endpoint.pk}/deliveries/", {"status": "succeeded"}).json()
    (entry,) = log["results"]
    assert (entry["attempts"], entry["response_code"]) == (1, 200)
    assert manager.get(f"{BASE}{endpoint.pk}/deliveries/", {"status": "bogus"}).status_code == 400

    with django_capture_on_commit_callbacks(execute=True):
        again = manager.post(f"{BASE}{endpoint.pk}/deliveries/{entry['id']}/redeliver/")
    assert again.status_code == 202
    assert again.json()["redelivery_of"] == entry["id"]
    assert len(receiver.received) == 2
    assert receiver.received[1].headers["webhook-id"] == entry["event_id"]


def test_pinging_a_disabled_endpoint_is_a_conflict(manager, mine):
    mine.is_active, mine.disabled_reason = False, "410 Gone"
    mine.save()
    response = manager.post(f"{BASE}{mine.pk}/ping/")
    assert response.status_code == 409
    assert "enable it first" in response.json()["detail"]
