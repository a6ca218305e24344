"""Roles bound API keys: at creation and on every request; open allowlists; caps."""

from __future__ import annotations

import io

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.management import call_command

from api.services import api_key_create
from api.signing import public_key_text
from diligence.models import FindingReview
from diligence.roles import role_assign
from offerings.models import Offering
from tests.api.test_access import problem
from tests.conftest import with_role
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db

WRITE = ("offerings:read", "offerings:write")


def _write_key(user, allowed_ips=("203.0.113.0/24",)):
    return api_key_create(
        user=user,
        name="writer",
        scopes=WRITE,
        allowed_ips=allowed_ips,
        public_key=public_key_text(Ed25519PrivateKey.generate()),
    )


def test_a_user_without_a_role_cannot_grant_themselves_a_write_key():
    outsider = UserFactory(username="nobody")
    with pytest.raises(ValidationError, match=r"offerings:write: your role does not allow it"):
        _write_key(outsider, allowed_ips=("0.0.0.0/0",))


def test_a_viewer_gets_read_scopes_only(viewer):
    api_key_create(user=viewer, name="reader", scopes=["offerings:read", "diligence:read"])
    with pytest.raises(ValidationError, match="diligence:write: your role does not allow it"):
        api_key_create(user=viewer, name="reviewer", scopes=["diligence:write"])


def test_write_keys_open_to_every_address_are_refused_unless_an_admin_allows_it(editor):
    for everywhere in ("0.0.0.0/0", "::/0"):
        with pytest.raises(ValidationError, match="may not be usable from every address"):
            _write_key(editor, allowed_ips=(everywhere,))
    editor.user_permissions.add(Permission.objects.get(codename="open_allowlist_apikey"))
    editor = type(editor).objects.get(pk=editor.pk)  # fresh permission cache
    key, _ = _write_key(editor, allowed_ips=("0.0.0.0/0",))
    assert key.allowed_ips == ["0.0.0.0/0"]


def test_losing_a_role_disarms_the_users_keys_at_once(api_key, api_client, api_user):
    client = api_client(api_key(scopes=("offerings:read", "offerings:write")))
    OfferingFactory(slug="alpha")
    assert client.patch("/api/v1/offerings/alpha/", {"symbol": "ALP"}).status_code == 200
    role_assign(user=api_user, role="editor", remove=True)
    refused = problem(client.patch("/api/v1/offerings/alpha/", {"symbol": "ALQ"}), 403)
    assert "no longer holds offerings.add_offering" in refused["detail"]
    assert problem(client.get("/api/v1/offerings/"), 403)  # reading needs a role too


def test_deleting_an_offering_is_the_admin_roles_and_keeps_its_reviews(api_key, api_client):
    offering = OfferingFactory(slug="gone")
    author = with_role(UserFactory(username="author"), "analyst")
    FindingReview.objects.create(
        offering=offering,
        rule_code="manual.x",
        verdict="manual",
        outcome="flag",
        note="n" * 12,
        author=author,
    )
    client = api_client(api_key(scopes=("offerings:read", "offerings:write")))
    assert problem(client.delete("/api/v1/offerings/gone/"), 403)
    assert Offering.objects.filter(slug="gone").exists()
    admin = with_role(UserFactory(username="boss"), "admin")
    boss = api_client(api_key(user=admin, scopes=("offerings:read", "offerings:write")))
    assert boss.delete("/api/v1/offerings/gone/").status_code == 204
    assert problem(boss.get("/api/v1/offerings/gone/"), 404)
    assert FindingReview.objects.filter(offering_id=offering.pk).count() == 1
    assert Offering.all_objects.get(pk=offering.pk).deleted_at is not None


def test_keys_per_user_are_capped_with_the_rule_named(viewer, settings):
    settings.API_KEYS_PER_USER = 2
    for name in ("one", "two"):
        api_key_create(user=viewer, name=name, scopes=["offerings:read"])
    with pytest.raises(ValidationError, match=r"API_KEYS_PER_USER=2"):
        api_key_create(user=viewer, name="three", scopes=["offerings:read"])


def test_assign_role_gives_and_removes_roles_and_lists_them():
    UserFactory(username="newcomer")
    out = io.StringIO()
    call_command("assign_role", "--user=newcomer", "--role=approver", stdout=out)
    assert "roles now held: approver" in out.getvalue()
    listing = io.StringIO()
    call_command("assign_role", stdout=listing)
    assert "approver (1 user(s))" in listing.getvalue()
    assert "diligence.approve_offeringreview" in listing.getvalue()
    call_command("assign_role", "--user=newcomer", "--role=approver", "--remove", stdout=out)
    assert "roles now held: none" in out.getvalue()
