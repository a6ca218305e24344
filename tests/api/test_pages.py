"""The API keys page: your own keys only; a new key is shown once."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from api.keys import PATTERN
from api.models import ApiKey, AuditEvent
from api.services import api_key_create
from api.signing import public_key_text
from tests.conftest import with_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

KEYS = "/api/keys/"


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def test_the_page_needs_a_sign_in(client):
    response = client.get(KEYS)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_nav_links_to_the_page(analyst_client):
    assert b'href="/api/keys/"' in analyst_client.get("/offerings/").content


def test_creating_a_key_shows_it_once(editor_client, editor):
    response = editor_client.post(
        KEYS,
        {
            "name": "importer",
            "scopes": ["offerings:read", "offerings:write"],
            "expires_in_days": "30",
            "allowed_ips": "203.0.113.0/24\n2001:db8::/32",
            "public_key": public_key_text(Ed25519PrivateKey.generate()),
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    shown = PATTERN.findall(response.content.decode())
    assert len(shown) == 1
    key = ApiKey.objects.get(user=editor)
    assert key.allowed_ips == ["203.0.113.0/24", "2001:db8::/32"]
    again = editor_client.get(KEYS).content.decode()
    assert not PATTERN.search(again) and key.prefix in again


def test_service_rules_show_as_form_errors(editor_client):
    response = editor_client.post(
        KEYS, {"name": "w", "scopes": ["offerings:write"], "expires_in_days": "30"}
    )
    assert response.status_code == 400
    assert b"need an IP allowlist" in response.content
    assert not ApiKey.objects.exists()


def test_another_user_s_keys_are_invisible(analyst_client):
    other, _ = api_key_create(
        user=with_role(UserFactory(username="other"), "viewer"),
        name="theirs",
        scopes=["offerings:read"],
    )
    page = analyst_client.get(KEYS).content.decode()
    assert other.key_id not in page and "theirs" not in page
    assert analyst_client.post(f"{KEYS}{other.key_id}/revoke/").status_code == 404
    assert (
        analyst_client.post(f"{KEYS}{other.key_id}/roll/", {"overlap_hours": 1}).status_code == 404
    )
    other.refresh_from_db()
    assert other.state == "active"


def test_rolling_and_revoking_your_own_key(analyst_client, analyst):
    key, _ = api_key_create(user=analyst, name="mine", scopes=["offerings:read"])
    rolled = analyst_client.post(f"{KEYS}{key.key_id}/roll/", {"overlap_hours": "2"})
    assert rolled.status_code == 200 and len(PATTERN.findall(rolled.content.decode())) == 1
    key.refresh_from_db()
    assert key.state == "rolled"
    new = ApiKey.objects.get(rolled_from=key)
    response = analyst_client.post(f"{KEYS}{new.key_id}/revoke/")
    assert response.status_code == 302
    assert not ApiKey.objects.filter(revoked_at__isnull=True).exists()
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor"))
    assert actions == [("created", analyst.pk), ("rolled", analyst.pk), ("revoked", analyst.pk)]


def test_staff_read_the_audit_log_in_the_admin(staff_client, analyst):
    api_key_create(user=analyst, name="mine", scopes=["offerings:read"])
    response = staff_client.get("/admin/api/auditevent/")
    assert response.status_code == 200 and b"Key created" in response.content
    assert staff_client.get("/admin/api/apikey/").status_code == 200
    assert staff_client.get("/admin/api/auditevent/add/").status_code == 403
