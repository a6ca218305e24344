"""Celery beat's heartbeat: a periodic task stamps the time into the cache (Redis in
production, shared by every process); /readyz reads how old the stamp is."""

from __future__ import annotations

import time

from django.core.cache import cache

HEARTBEAT_KEY = "ops:beat-heartbeat"


def beat_heartbeat_record(*, now: float | None = None) -> None:
    cache.set(HEARTBEAT_KEY, time.time() if now is None else now, timeout=None)


def beat_heartbeat_age(*, now: float | None = None) -> float | None:
    """Seconds since the last heartbeat; None when there has never been one."""
    stamped = cache.get(HEARTBEAT_KEY)
    if stamped is None:
        return None
    return max(0.0, (time.time() if now is None else now) - float(stamped))
