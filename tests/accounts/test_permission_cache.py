"""Permissions are kept in each process between requests (accounts.backends, auth_cache), and
every change of who holds what is seen by the very next check."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import auth_cache, backends
from diligence.roles import EDITOR, role_assign, roles_sync
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PERM = "offerings.view_offering"


def fresh(user):
    """The user as a new request loads it: no per-request permission cache on it yet."""
    return get_user_model().objects.get(pk=user.pk)


def queries_of_a_check(user, perm: str = PERM) -> tuple[bool, int]:
    loaded = fresh(user)
    with CaptureQueriesContext(connection) as queries:
        allowed = loaded.has_perm(perm)
    return allowed, len(queries)


def test_the_second_request_reads_no_permission_from_the_database():
    user = UserFactory()
    role_assign(user=user, role=EDITOR)
    assert queries_of_a_check(user) == (True, 1)
    assert queries_of_a_check(user) == (True, 0)


def test_a_role_given_or_taken_is_seen_at_once():
    user = UserFactory()
    assert queries_of_a_check(user)[0] is False
    assert queries_of_a_check(user) == (False, 0)  # cached: no permission
    role_assign(user=user, role=EDITOR)
    assert queries_of_a_check(user)[0] is True
    role_assign(user=user, role=EDITOR, remove=True)
    assert queries_of_a_check(user)[0] is False


def test_a_permission_taken_from_a_role_is_seen_at_once():
    user = UserFactory()
    role_assign(user=user, role=EDITOR)
    assert queries_of_a_check(user)[0] is True
    group = Group.objects.get(name=EDITOR)
    group.permissions.remove(Permission.objects.get(codename="view_offering"))
    assert queries_of_a_check(user)[0] is False
    roles_sync()  # puts it back
    assert queries_of_a_check(user)[0] is True


def test_a_role_deleted_and_a_users_own_permission():
    user = UserFactory()
    role_assign(user=user, role=EDITOR)
    assert queries_of_a_check(user)[0] is True
    Group.objects.filter(name=EDITOR).delete()
    assert queries_of_a_check(user)[0] is False
    user.user_permissions.add(Permission.objects.get(codename="view_offering"))
    assert queries_of_a_check(user)[0] is True


def test_a_superuser_flag_and_an_inactive_user():
    user = UserFactory()
    assert queries_of_a_check(user, "records.decide_recordmatch")[0] is False
    user.is_superuser = True
    user.save()
    assert queries_of_a_check(user, "records.decide_recordmatch")[0] is True
    user.is_active = False
    user.save()
    assert queries_of_a_check(user, "records.decide_recordmatch")[0] is False


def test_an_evicted_generation_voids_every_entry():
    user = UserFactory()
    role_assign(user=user, role=EDITOR)
    assert queries_of_a_check(user) == (True, 1)
    cache.delete(auth_cache.GENERATION_KEY)
    assert queries_of_a_check(user) == (True, 1)
    assert queries_of_a_check(user) == (True, 0)


def test_a_new_user_with_an_old_id_does_not_inherit_its_permissions():
    user = UserFactory()
    role_assign(user=user, role=EDITOR)
    assert queries_of_a_check(user)[0] is True
    impostor = get_user_model()(pk=user.pk, username="other", date_joined=user.date_joined)
    impostor.date_joined = user.date_joined.replace(year=user.date_joined.year - 1)
    assert backends._user_key(impostor) != backends._user_key(user)


def test_keeping_keys_and_users_with_a_per_process_cache_is_warned_of(settings):
    from accounts.checks import kept_credentials_need_a_shared_cache

    settings.AUTH_KEPT_IN_PROCESS = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    (warning,) = kept_credentials_need_a_shared_cache(None)
    assert warning.id == "offerwatch.W003" and "CACHE_URL" in warning.hint
    settings.AUTH_KEPT_IN_PROCESS = False
    assert kept_credentials_need_a_shared_cache(None) == []
    settings.AUTH_KEPT_IN_PROCESS = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    assert kept_credentials_need_a_shared_cache(None) == []
