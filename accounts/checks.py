"""System checks for who-a-request-is (accounts.auth_cache)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

# Caches that live in one process: nothing written there reaches another.
LOCAL_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@checks.register(checks.Tags.security)
def kept_credentials_need_a_shared_cache(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Kept keys and users are voided through a generation in the cache: with a per-process
    cache, a key revoked or a user deactivated by another process would still be let in here."""
    backend = settings.CACHES["default"]["BACKEND"]
    if not settings.AUTH_KEPT_IN_PROCESS or backend not in LOCAL_CACHES:
        return []
    return [
        checks.Warning(
            f"AUTH_KEPT_IN_PROCESS is on with {backend.rsplit('.', 1)[-1]}, a per-process "
            "cache: a key revoked or a user deactivated by another process (a management "
            "command, another worker) would still be accepted by this one",
            hint="set CACHE_URL (or REDIS_URL) to a Redis every process reaches, or "
            "AUTH_KEPT_IN_PROCESS=0",
            id="offerwatch.W003",
        )
    ]
