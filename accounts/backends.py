"""Django's password backend, reading a user's permissions (own and roles') in one query, and
keeping them in the cache between requests until any permission, role or membership changes."""

from __future__ import annotations

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q

from ops.prepared import PreparedQuery

GENERATION_KEY = "ow:perms:generation"
_USER = PreparedQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk), pk=int)
# An entry unused for this long goes; a change of any permission voids every entry at once.
TIMEOUT = 600


class RoleBackend(ModelBackend):
    """Permissions are checked on every API request and page (roles bound keys and views at
    once), so the two queries of ModelBackend (user's, groups') become one, kept per request on
    the user and between requests in the cache (`permissions_changed` voids it)."""

    def get_user(self, user_id):
        """The signed-in user of a page request, by the id its session holds (the statement
        prepared once per process: ops.prepared)."""
        found = _USER.fetch(pk=user_id)
        return found[0] if found and self.user_can_authenticate(found[0]) else None

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = _cached_permissions(user_obj)
        return user_obj._perm_cache


def _user_key(user) -> str:
    # The join date tells apart two users that a rolled-back or flushed database gave one id.
    joined = int(user.date_joined.timestamp() * 1_000_000) if user.date_joined else 0
    return f"ow:perms:user:{user.pk}:{joined}:{int(user.is_superuser)}"


def _cached_permissions(user) -> set[str]:
    """The user's permissions from the cache when stored under the current generation; else
    read (one query) and stored. One cache round trip on a hit."""
    user_key = _user_key(user)
    found = cache.get_many([GENERATION_KEY, user_key])
    generation = found.get(GENERATION_KEY)
    entry = found.get(user_key)
    if generation is not None and entry is not None and entry[0] == generation:
        return set(entry[1])
    if generation is None:
        # Evicted or never set: a value no entry can hold, so every older entry is void.
        generation = time.time_ns()
        if not cache.add(GENERATION_KEY, generation, timeout=None):
            generation = cache.get(GENERATION_KEY, generation)
    permissions = _permissions_read(user)
    cache.set(user_key, (generation, sorted(permissions)), timeout=TIMEOUT)
    return permissions


def _permissions_read(user) -> set[str]:
    permissions = Permission.objects.all()
    if not user.is_superuser:
        permissions = permissions.filter(Q(user=user) | Q(group__user=user))
    return {
        f"{app_label}.{codename}"
        for app_label, codename in permissions.values_list(
            "content_type__app_label", "codename"
        ).distinct()
    }


def permissions_changed() -> None:
    """Void every cached set of permissions: now (this transaction's own reads) and again when
    it commits (a read between the two could have cached what was true before the commit)."""
    _generation_next()
    transaction.on_commit(_generation_next)


def _generation_next() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)
