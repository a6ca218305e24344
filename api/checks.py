"""System checks for deployments (`manage.py check --deploy`, run by .ci/security)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from accounts.checks import LOCAL_CACHES


@checks.register(checks.Tags.security, deploy=True)
def shared_throttle_store(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Throttles, lock-outs and nonce caches must be shared by every process in production:
    with a per-process memory cache, each worker would grant its own allowance."""
    backend = settings.CACHES["default"]["BACKEND"]
    if settings.DEBUG or backend not in LOCAL_CACHES:
        return []
    return [
        checks.Error(
            f"CACHES['default'] is {backend.rsplit('.', 1)[-1]}, a per-process cache: API "
            "throttles would not be shared between processes",
            hint="set REDIS_URL (or CACHE_URL) to a Redis every web process reaches",
            id="offerwatch.E001",
        )
    ]


@checks.register(checks.Tags.security, deploy=True)
def tasks_leave_the_web_process(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Without a broker Celery runs tasks eagerly, in the request that queues them: webhook
    deliveries (a slow receiver) and PDF text extraction would run inside web requests."""
    if settings.DEBUG or not settings.CELERY_TASK_ALWAYS_EAGER:
        return []
    return [
        checks.Error(
            "Celery runs tasks eagerly (no CELERY_BROKER_URL): webhook deliveries and text "
            "extraction would run inside web requests",
            hint="set CELERY_BROKER_URL (e.g. redis://…) and run a worker and celery beat",
            id="offerwatch.E002",
        )
    ]
