"""Who a request is and what they may do, kept in each process between requests.

Every API request reads its key and the key's owner, every page its signed-in user, and both
then need that user's permissions. These rows change rarely (a key revoked, an owner made
inactive, a role given or taken), so a process keeps what it read, under the generation it read
it in: one value in the shared cache that every change to a key, a user, a role or a permission
replaces, at once and again when the change commits (`auth_changed`; accounts.receivers and the
services that write with `update()`). A request reads the generation (one cache round trip) and
uses what its process holds under it; whatever was read under an older generation is never
used again (it ages out of the slots). So a revoked key, a deactivated owner or a role taken
away counts from the next request in every process, as when every request read the database.

Why both times: a request in another process that reads the rows between the first change of
the generation and the commit reads them as they were and keeps them under the new generation;
the second change, on commit, voids that too.

Permissions are always kept this way (they always were, in the cache). Keys and users only with
a shared cache (AUTH_KEPT_IN_PROCESS, on with CACHE_URL): the embedded default's cache lives in
each process, so a change made by another process (a management command) could not reach this
one's generation, and there every request reads its key or user from the database.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction

from ops.row_digest import Statements

GENERATION_KEY = "ow:auth:generation"
# Entries per process: keys, users and permission sets in use (older generations age out).
SLOTS = 4096
# The generation a request read, noted on the user it authenticated: its permissions are then
# looked up under the same generation, without a second round trip.
GENERATION_ATTRIBUTE = "_ow_auth_generation"

KEPT = Statements(SLOTS)


def generation() -> int | None:
    """The current generation (one cache read), set afresh when the cache has none (first use,
    an eviction, a flush: nothing kept under an older one is used again). None only when the
    cache lost it again at once: then nothing is kept for this request."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = time.time_ns()
        if not cache.add(GENERATION_KEY, value, timeout=None):
            value = cache.get(GENERATION_KEY)
    return value


def auth_changed() -> None:
    """Void everything kept, in every process: now (this transaction's own reads) and again
    when the transaction commits."""
    _generation_next()
    transaction.on_commit(_generation_next)


def _generation_next() -> None:
    cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def kept_in_process() -> bool:
    """Whether keys and users are kept (a shared cache carries every process's changes)."""
    return settings.AUTH_KEPT_IN_PROCESS


def kept(kind: str, key: Any, generation: int | None) -> Any:
    """What was kept for (`kind`, `key`) under `generation`, or None."""
    if generation is None:
        return None
    return KEPT.get((generation, kind, key))


def keep(kind: str, key: Any, generation: int | None, value: Any) -> None:
    if generation is not None:
        KEPT.put((generation, kind, key), value)


def instance_copy(instance):
    """A copy of a kept model instance for one request (which may set attributes on it), with
    its loaded related instances copied too; the kept one is never handed out."""
    duplicate = copy.copy(instance)  # Model.__getstate__ copies its _state and fields cache
    fields_cache = duplicate._state.fields_cache
    for name, related in fields_cache.items():
        if related is not None:
            fields_cache[name] = copy.copy(related)
    return duplicate


def generation_note(user, generation: int | None) -> None:
    setattr(user, GENERATION_ATTRIBUTE, generation)


def generation_noted(user) -> int | None:
    """The generation the request that authenticated `user` read, else a fresh read."""
    noted = getattr(user, GENERATION_ATTRIBUTE, None)
    return noted if noted is not None else generation()


def _settings_changed(**kwargs) -> None:
    KEPT.clear()


setting_changed.connect(_settings_changed, dispatch_uid="accounts.auth_cache.kept")
