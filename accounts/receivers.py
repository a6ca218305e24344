"""Any change to who a request can be or what it may do voids what the processes keep
(accounts.auth_cache): a user saved or deleted (active, superuser, password, roles), a role's
permissions, a user's roles or own permissions, a role or permission removed. API keys connect
theirs in api.apps."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.auth_cache import auth_changed


def _changed(sender, **kwargs) -> None:
    if kwargs.get("action", "post_").startswith("post_"):
        auth_changed()


def connect() -> None:
    user = get_user_model()
    for through in (user.groups.through, user.user_permissions.through, Group.permissions.through):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"perms.{through.__name__}")
    for model in (user, Group, Permission):
        for signal in (post_save, post_delete):
            signal.connect(_changed, sender=model, dispatch_uid=f"perms.{model.__name__}.{signal}")
