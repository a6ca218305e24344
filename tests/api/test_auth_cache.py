"""Keys, users and permissions kept in each process between requests (accounts.auth_cache):
read once per generation, and read afresh after any change to a key, a user or a role."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import auth_cache
from api.models import ApiKey
from api.services import api_key_revoke
from diligence.roles import EDITOR, role_assign
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/offerings/"


READS = {
    "key": 'FROM "api_apikey"',
    "user": 'FROM "auth_user" WHERE',
    "permissions": 'FROM "auth_permission"',
}


def tables_read(client, path: str, **extra) -> tuple[int, set[str]]:
    """The status of one request, and which of a key, a user and permissions it read."""
    with CaptureQueriesContext(connection) as captured:
        status = client.get(path, **extra).status_code
    sql = " ".join(query["sql"] for query in captured.captured_queries)
    return status, {name for name, needle in READS.items() if needle in sql}


@pytest.fixture
def key_client(api_key, api_client):
    made = api_key()
    return made, api_client(made)


def test_a_key_and_its_owner_are_read_once_then_kept(key_client):
    _made, client = key_client
    assert tables_read(client, LIST) == (200, {"key", "permissions"})
    assert tables_read(client, LIST) == (200, set())
    assert tables_read(client, LIST) == (200, set())


def test_without_a_shared_cache_every_request_reads_its_key(key_client, settings):
    settings.AUTH_KEPT_IN_PROCESS = False  # the embedded default
    _made, client = key_client
    assert tables_read(client, LIST)[1] == {"key", "permissions"}
    # the permissions are kept whatever the setting (as they were in the cache before)
    assert tables_read(client, LIST)[1] == {"key"}


def test_only_the_generation_tells_a_process_to_read_again(key_client):
    """What another process's change does here: a new generation in the shared cache. A row
    changed behind the generation's back (a raw update) is not seen, which proves the key is
    really kept, and why every writer of keys and users must say so (auth_changed)."""
    made, client = key_client
    client.get(LIST)
    ApiKey.objects.filter(pk=made.key.pk).update(scopes=[])  # no signal, no new generation
    assert client.get(LIST).status_code == 200
    cache.set(auth_cache.GENERATION_KEY, 1)  # another process's auth_changed()
    assert tables_read(client, LIST) == (403, {"key"})  # its scope is gone: refused before


def test_a_revoked_key_is_refused_at_the_next_request(key_client):
    made, client = key_client
    assert client.get(LIST).status_code == 200
    api_key_revoke(api_key=made.key)  # an update: it changes the generation itself
    response = client.get(LIST)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]


def test_a_key_saved_or_deleted_is_read_again(key_client):
    made, client = key_client
    client.get(LIST)
    made.key.allowed_ips = ["10.0.0.0/8"]
    made.key.save()
    assert client.get(LIST).status_code == 403
    made.key.delete()
    assert client.get(LIST).status_code == 401


def test_an_owner_made_inactive_or_losing_a_role_counts_at_once(api_key, api_client):
    owner = UserFactory()
    role_assign(user=owner, role=EDITOR)
    made = api_key(user=owner)
    client = api_client(made)
    assert client.get(LIST).status_code == 200
    role_assign(user=owner, role=EDITOR, remove=True)
    assert client.get(LIST).status_code == 403
    role_assign(user=owner, role=EDITOR)
    assert client.get(LIST).status_code == 200
    owner.is_active = False
    owner.save()
    response = client.get(LIST)
    assert response.status_code == 401 and "inactive" in response.json()["detail"]


def test_a_change_voids_again_on_commit_what_was_read_before_it(
    django_capture_on_commit_callbacks,
):
    """A process reading between the change's first generation and its commit keeps the old
    row under that generation; the commit's generation leaves it behind."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        auth_cache.auth_changed()
        during = auth_cache.generation()
        auth_cache.keep("api_key", "stale", during, object())
        assert auth_cache.kept("api_key", "stale", auth_cache.generation()) is not None
    assert auth_cache.generation() != during
    assert auth_cache.kept("api_key", "stale", auth_cache.generation()) is None


def test_a_lost_generation_is_set_afresh_and_voids_everything_kept(key_client):
    _made, client = key_client
    client.get(LIST)
    cache.delete(auth_cache.GENERATION_KEY)  # evicted, flushed, Redis restarted
    assert tables_read(client, LIST)[1] == {"key", "permissions"}
    assert tables_read(client, LIST)[1] == set()


def test_a_request_changing_its_kept_copy_leaves_the_kept_key_alone(key_client):
    made, client = key_client
    client.get(LIST)
    generation = auth_cache.generation()
    first = auth_cache.kept("api_key", made.key.key_id, generation)
    handed = auth_cache.instance_copy(first)
    handed.name = "changed by a request"
    handed.user.is_superuser = True
    kept = auth_cache.kept("api_key", made.key.key_id, generation)
    assert kept.name == made.key.name and kept.user.is_superuser is False
    assert not hasattr(kept.user, "_perm_cache")


def test_a_signed_in_user_is_read_once_then_kept():
    user = UserFactory()
    role_assign(user=user, role="analyst")
    client = Client()
    client.force_login(user)
    page = reverse("offerings:list")
    assert client.get(page).status_code == 200
    assert "user" not in tables_read(client, page)[1]


def test_a_signed_in_user_made_inactive_is_signed_out_at_the_next_page():
    user = UserFactory()
    role_assign(user=user, role="analyst")
    client = Client()
    client.force_login(user)
    page = reverse("offerings:list")
    assert client.get(page).status_code == 200
    user.is_active = False
    user.save()
    response = client.get(page)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_a_password_change_ends_the_other_sessions_at_once():
    user = UserFactory()
    role_assign(user=user, role="analyst")
    client = Client()
    client.force_login(user)
    page = reverse("offerings:list")
    assert client.get(page).status_code == 200
    user.set_password("a-new-password-9876")
    user.save()  # the kept user's password hash, which signs the session, is read again
    assert client.get(page).status_code == 302
