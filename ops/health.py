"""/healthz and /readyz for load balancers and orchestrators.

/healthz says the process answers (no I/O). /readyz checks what serving needs: the database
reachable and migrated (one query), the broker reachable, a worker answering a ping, and celery
beat's heartbeat fresh. Each check reports its status and latency; nothing names a host, URL or
credential. Both are open without sign-in and throttled per client address."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import Q
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from api.addresses import client_ip, throttle_ident
from ops.heartbeat import beat_heartbeat_age

_leaf_migrations: list[tuple[str, str]] | None = None


def _expected_migrations() -> list[tuple[str, str]]:
    """The newest migration of every app, read once from disk (no query)."""
    global _leaf_migrations
    if _leaf_migrations is None:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        _leaf_migrations = sorted(loader.graph.leaf_nodes())
    return _leaf_migrations


def check_database() -> tuple[bool, str]:
    expected = _expected_migrations()
    match = Q()
    for app, name in expected:
        match |= Q(app=app, name=name)
    try:
        applied = MigrationRecorder.Migration.objects.filter(match).count()
    except DatabaseError:
        return False, "unreachable or not migrated"
    if applied < len(expected):
        return False, f"{len(expected) - applied} app(s) not migrated to their latest migration"
    return True, "reachable and migrated"


def _eager() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def check_broker() -> tuple[bool, str]:
    if _eager():
        return True, "no broker: tasks run in-process"
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
    except Exception as exc:  # any transport error means "unreachable"
        return False, f"unreachable ({type(exc).__name__})"
    return True, "reachable"


def check_worker() -> tuple[bool, str]:
    if _eager():
        return True, "no worker needed: tasks run in-process"
    from config.celery import app

    timeout = settings.OPS_READY_WORKER_TIMEOUT_S
    try:
        replies = app.control.ping(timeout=timeout, limit=1)
    except Exception as exc:
        return False, f"ping failed ({type(exc).__name__})"
    if not replies:
        return False, f"no worker answered a ping within {timeout} s"
    return True, "a worker answered"


def check_beat() -> tuple[bool, str]:
    if _eager():
        return True, "no beat needed: nothing is scheduled without a broker"
    limit = settings.OPS_READY_BEAT_MAX_AGE_MINUTES * 60
    try:
        age = beat_heartbeat_age()
    except Exception as exc:
        return False, f"cache unreachable ({type(exc).__name__})"
    if age is None:
        return False, "no heartbeat recorded yet"
    if age > limit:
        return False, f"last heartbeat {age:.0f} s ago (limit {limit} s)"
    return True, f"last heartbeat {age:.0f} s ago"


CHECKS: dict[str, Callable[[], tuple[bool, str]]] = {
    "database": check_database,
    "broker": check_broker,
    "worker": check_worker,
    "beat": check_beat,
}


def _throttled(request) -> bool:
    """A fixed one-minute window per client in the cache: OPS_HEALTH_RATE_PER_MINUTE calls."""
    window = int(time.time() // 60)
    key = f"ops:health:{throttle_ident(client_ip(request))}:{window}"
    try:
        cache.add(key, 0, timeout=70)
        return cache.incr(key) > settings.OPS_HEALTH_RATE_PER_MINUTE
    except Exception:  # a cache outage must not make the health checks fail
        return False


def _too_many() -> JsonResponse:
    response = JsonResponse({"status": "throttled"}, status=429)
    response["Retry-After"] = "60"
    return response


@never_cache
@require_GET
def healthz(request):
    if _throttled(request):
        return _too_many()
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    if _throttled(request):
        return _too_many()
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        if name == "worker" and results["broker"]["status"] != "ok":
            ok, detail = False, "not asked: the broker is unreachable"
        else:
            ok, detail = check()
        results[name] = {
            "status": "ok" if ok else "fail",
            "latency_ms": round((time.perf_counter() - started) * 1000, 1),
            "detail": detail,
        }
    ready = all(result["status"] == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "fail", "checks": results}, status=200 if ready else 503
    )
