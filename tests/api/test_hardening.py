"""Throttling by /64 for IPv6, the deployment checks, and the audit log's pruning."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import timezone

from api.addresses import throttle_ident
from api.checks import shared_throttle_store, tasks_leave_the_web_process
from api.models import AuditEvent
from api.services import audit_record
from api.tasks import prune_audit_log

pytestmark = pytest.mark.django_db


def test_ipv6_clients_are_counted_by_their_64():
    assert throttle_ident("2001:db8:1:2::1") == throttle_ident("2001:db8:1:2:ffff::9")
    assert throttle_ident("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert throttle_ident("2001:db8:1:3::1") != throttle_ident("2001:db8:1:2::1")
    assert throttle_ident("::ffff:203.0.113.5") == "203.0.113.5"
    assert throttle_ident("203.0.113.5") == "203.0.113.5"


def test_rotating_ipv6_addresses_within_a_64_share_one_allowance(client, settings):
    """Regression: each of a client's 2**64 addresses had its own allowance."""
    from django.core.cache import cache

    cache.clear()
    settings.API_THROTTLE_ANON_RATE = "3/minute"
    answers = [
        client.get("/api/v1/offerings/", REMOTE_ADDR=f"2001:db8:1:2::{n}").status_code
        for n in range(1, 6)
    ]
    assert answers[:3] == [401, 401, 401] and answers[3:] == [429, 429]
    cache.clear()


def test_production_without_a_shared_cache_fails_the_deploy_check(settings):
    settings.DEBUG = False
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    (error,) = shared_throttle_store(None)
    assert error.id == "offerwatch.E001" and "REDIS_URL" in error.hint
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/0",
        }
    }
    assert shared_throttle_store(None) == []
    settings.DEBUG = True
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert shared_throttle_store(None) == []


def test_check_deploy_refuses_eager_tasks_and_a_local_cache(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert tasks_leave_the_web_process(None)[0].id == "offerwatch.E002"
    with pytest.raises(SystemCheckError, match=r"offerwatch\.E00[12]"):
        call_command("check", "--deploy", "--fail-level", "ERROR")


def test_the_audit_log_is_pruned_on_a_schedule(settings):
    assert settings.CELERY_BEAT_SCHEDULE["prune-audit-log"]["task"] == "api.tasks.prune_audit_log"
    old = audit_record(action=AuditEvent.Action.DENIED, reason="old")
    AuditEvent.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=settings.API_AUDIT_RETENTION_DAYS + 1)
    )
    fresh = audit_record(action=AuditEvent.Action.DENIED, reason="fresh")
    assert prune_audit_log() == 1
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [fresh.pk]
