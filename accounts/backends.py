"""Django's password backend, reading a user's permissions (own and roles') in one query, and
keeping them (and the signed-in user) in each process between requests until any user, key,
permission, role or membership changes (accounts.auth_cache)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from accounts import auth_cache
from ops.prepared import PreparedQuery

_USER = PreparedQuery(lambda pk: get_user_model()._default_manager.filter(pk=pk), pk=int)


class RoleBackend(ModelBackend):
    """Permissions are checked on every API request and page (roles bound keys and views at
    once), so the two queries of ModelBackend (user's, groups') become one, kept per request on
    the user and between requests in the process (`permissions_changed` voids it)."""

    def get_user(self, user_id):
        """The signed-in user of a page request, by the id its session holds: as this process
        keeps it under the current generation (accounts.auth_cache), else read (the statement
        prepared once per process: ops.prepared)."""
        user = user_loaded(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None) -> set[str]:
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = _cached_permissions(user_obj)
        return user_obj._perm_cache


def user_loaded(user_id) -> Any:
    """The user `user_id`, a copy of the one this process keeps under the current generation
    when keys and users are kept (AUTH_KEPT_IN_PROCESS), else read; None when there is none."""
    if not auth_cache.kept_in_process() or type(user_id) is not int:
        found = _USER.fetch(pk=user_id)
        return found[0] if found else None
    generation = auth_cache.generation()
    user = auth_cache.kept("user", user_id, generation)
    if user is None:
        found = _USER.fetch(pk=user_id)
        if not found:
            return None
        user = found[0]
        auth_cache.keep("user", user_id, generation, auth_cache.instance_copy(user))
    else:
        user = auth_cache.instance_copy(user)
    auth_cache.generation_note(user, generation)
    return user


def _user_key(user) -> tuple:
    # The join date tells apart two users that a rolled-back or flushed database gave one id.
    joined = int(user.date_joined.timestamp() * 1_000_000) if user.date_joined else 0
    return (user.pk, joined, user.is_superuser)


def _cached_permissions(user) -> set[str]:
    """The user's permissions as this process keeps them under the current generation (read
    once per request, by the authentication that loaded the user); else read (one query)."""
    generation = auth_cache.generation_noted(user)
    key = _user_key(user)
    found = auth_cache.kept("permissions", key, generation)
    if found is not None:
        return set(found)
    permissions = _permissions_read(user)
    auth_cache.keep("permissions", key, generation, frozenset(permissions))
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
    """Void every kept set of permissions (accounts.auth_cache.auth_changed)."""
    auth_cache.auth_changed()
