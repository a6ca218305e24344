"""Finding a key by name for the key commands."""

from __future__ import annotations

from django.core.management.base import CommandError

from api.models import ApiKey


def current_key(name: str, username: str | None) -> ApiKey:
    keys = ApiKey.objects.current().filter(name=name).select_related("user")
    if username:
        keys = keys.filter(user__username=username)
    found = list(keys[:2])
    if not found:
        raise CommandError(f"--name {name!r}: no active key has this name")
    if len(found) > 1:
        raise CommandError(f"--name {name!r}: several users have such a key; add --user")
    return found[0]
