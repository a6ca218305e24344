"""Who gets in: keys (missing, malformed, unknown, expired, revoked, rolled), scopes, IP
allowlists (v4, v6, proxies), keys in URLs, last use, and the audit trail of refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from api.keys import key_generate
from api.models import ApiKey, AuditEvent
from api.services import api_key_revoke, api_key_roll
from tests.api.signed import MadeKey, SignedClient
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offerings/"


def problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["instance"].startswith("/api/")
    assert body["type"].startswith("urn:offerwatch:problem:")
    return body


def with_plaintext(made: MadeKey, plaintext: str) -> MadeKey:
    return MadeKey(key=made.key, plaintext=plaintext, private_key=made.private_key)


def test_no_key_is_a_401_problem_with_a_bearer_challenge(api_client):
    response = api_client().get(LIST)
    body = problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "credentials" in body["detail"]
    assert AuditEvent.objects.get().reason.startswith("not_authenticated")


def test_a_read_key_reads(read_client):
    OfferingFactory()
    response = read_client.get(LIST)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Token abc", "must be 'Bearer ow_…'"),
        ("Bearer", "must be 'Bearer ow_…'"),
        ("Bearer ow_live_nothing", "malformed or failed its checksum"),
    ],
)
def test_malformed_authorization_is_refused(api_client, header, detail):
    response = api_client().get(LIST, headers={"Authorization": header})
    assert detail in problem(response, 401)["detail"]


def test_a_key_with_a_bad_checksum_is_refused_without_a_lookup(
    api_key, api_client, django_assert_max_num_queries
):
    made = api_key()
    typo = made.plaintext[:-1] + ("a" if made.plaintext[-1] != "a" else "b")
    client = api_client(with_plaintext(made, typo))
    with django_assert_max_num_queries(1):  # the audit log entry only
        response = client.get(LIST)
    assert "checksum" in problem(response, 401)["detail"]


def test_a_well_formed_key_with_the_wrong_secret_is_unknown(api_key, api_client):
    made = api_key()
    forged = key_generate(env="live", key_id=made.key.key_id)
    response = api_client(with_plaintext(made, forged)).get(LIST)
    assert problem(response, 401)["detail"] == "unknown API key"
    assert AuditEvent.objects.filter(action="denied", key_id=made.key.key_id).exists()


def test_an_expired_key_is_refused(api_key, api_client):
    made = api_key()
    ApiKey.objects.filter(pk=made.key.pk).update(expires_at=timezone.now() - dt.timedelta(1))
    assert "expired" in problem(api_client(made).get(LIST), 401)["detail"]


def test_a_revoked_key_stops_working_at_once(api_key, api_client):
    made = api_key()
    client = api_client(made)
    assert client.get(LIST).status_code == 200
    api_key_revoke(api_key=made.key)
    assert "revoked" in problem(client.get(LIST), 401)["detail"]


def test_a_rolled_key_works_during_the_overlap_and_not_after(api_key, api_client, monkeypatch):
    made = api_key()
    _, plaintext = api_key_roll(api_key=made.key, overlap=dt.timedelta(hours=1))
    old_client = api_client(made)
    new_client = api_client(with_plaintext(made, plaintext))
    assert old_client.get(LIST).status_code == 200
    assert new_client.get(LIST).status_code == 200
    # The overlap passes: the old key, kept by the process since its last use
    # (accounts.auth_cache), expires by the clock alone, with no write to tell anyone.
    later = timezone.now() + dt.timedelta(hours=1, seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "expired" in problem(old_client.get(LIST), 401)["detail"]
    assert new_client.get(LIST).status_code == 200


def test_a_roll_with_no_overlap_ends_the_old_key_now(api_key, api_client):
    made = api_key()
    api_key_roll(api_key=made.key, overlap=dt.timedelta(0))
    assert problem(api_client(made).get(LIST), 401)


def test_a_key_without_the_scope_is_forbidden_and_audited(api_key, api_client):
    made = api_key(scopes=("diligence:read",))
    body = problem(api_client(made).get(LIST), 403)
    assert "offerings:read" in body["detail"]
    assert body["type"].endswith(":scope")
    event = AuditEvent.objects.get(action="denied")
    assert (event.api_key, event.ip, event.path) == (made.key, "127.0.0.1", LIST)
    assert event.reason.startswith("scope:")


def test_a_read_key_cannot_write(read_client):
    body = problem(read_client.post(LIST, {"name": "X", "kind": "ico"}), 403)
    assert "offerings:write" in body["detail"]


def test_the_ip_allowlist_admits_only_its_networks_v4(api_key, api_client):
    made = api_key(allowed_ips=("203.0.113.0/24",))
    assert api_client(made, remote_addr="203.0.113.7").get(LIST).status_code == 200
    body = problem(api_client(made, remote_addr="198.51.100.1").get(LIST), 403)
    assert "198.51.100.1 is not in this key's IP allowlist" in body["detail"]


def test_the_ip_allowlist_admits_only_its_networks_v6(api_key, api_client):
    made = api_key(allowed_ips=("2001:db8:1::/48",))
    assert api_client(made, remote_addr="2001:db8:1::42").get(LIST).status_code == 200
    assert problem(api_client(made, remote_addr="2001:db8:2::1").get(LIST), 403)


def test_a_client_written_x_forwarded_for_is_ignored(api_key, api_client):
    made = api_key(allowed_ips=("203.0.113.0/24",))
    spoofed = api_client(made, remote_addr="198.51.100.1").get(
        LIST, headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert problem(spoofed, 403)


def test_a_trusted_proxy_s_forwarded_address_is_used(api_key, api_client, settings):
    settings.API_TRUSTED_PROXY_COUNT = 1
    made = api_key(allowed_ips=("203.0.113.0/24",))
    via_proxy = api_client(made, remote_addr="10.0.0.2")
    # The client wrote the first entry; the proxy appended the address it saw.
    admitted = via_proxy.get(LIST, headers={"X-Forwarded-For": "1.2.3.4, 203.0.113.7"})
    assert admitted.status_code == 200
    refused = via_proxy.get(LIST, headers={"X-Forwarded-For": "203.0.113.7, 198.51.100.1"})
    assert "198.51.100.1" in problem(refused, 403)["detail"]


def test_a_key_in_the_query_string_is_refused_and_not_logged(api_key, api_client):
    made = api_key()
    response = api_client(None).get(LIST, params={"api_key": made.plaintext})
    assert "query string" in problem(response, 401)["detail"]
    event = AuditEvent.objects.get(action="denied")
    assert made.plaintext not in f"{event.path} {event.reason}"


def test_an_inactive_owner_s_keys_stop_working(api_key, api_client, api_user):
    made = api_key()
    api_user.is_active = False
    api_user.save()
    assert "inactive" in problem(api_client(made).get(LIST), 401)["detail"]


def test_use_is_recorded_at_most_once_a_minute(
    api_key, api_client, monkeypatch, django_assert_num_queries
):
    made = api_key()
    client = api_client(made)
    client.get(LIST)
    made.key.refresh_from_db()
    first = made.key.last_used_at
    assert first is not None and made.key.last_used_ip == "127.0.0.1"
    client.get(LIST)
    made.key.refresh_from_db()
    assert made.key.last_used_at == first
    later = first + dt.timedelta(minutes=2)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.get(LIST)
    made.key.refresh_from_db()
    assert made.key.last_used_at == later
    # The kept key (accounts.auth_cache) knows of that write: the next request writes nothing
    # (the page's rows only: the key and its owner's permissions are kept).
    with django_assert_num_queries(1):
        client.get(LIST)


def test_views_without_a_scope_are_closed_to_every_key(rf, api_key):
    from rest_framework.views import APIView

    from api.permissions import ScopePermission

    class Unscoped(APIView):
        def get(self, request):
            raise AssertionError("never reached")

    made = api_key()
    request = rf.get("/api/v1/x/")
    request.auth = made.key
    request.method = "GET"
    with pytest.raises(Exception, match="not open to API keys"):
        ScopePermission().has_permission(request, Unscoped())


def test_signed_client_helper_authenticates(api_key):
    assert SignedClient(api_key()).get(LIST).status_code == 200
