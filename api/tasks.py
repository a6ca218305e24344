"""Celery tasks of the API: they only call a service."""

from __future__ import annotations

from celery import shared_task

from api.services import api_records_prune, audit_events_prune


@shared_task(acks_late=True)
def prune_audit_log() -> int:
    """Forget audit-log entries past API_AUDIT_RETENTION_DAYS (celery beat, daily)."""
    return audit_events_prune()


@shared_task(acks_late=True)
def prune_api_records() -> tuple[int, int]:
    """Forget spent nonces and expired idempotent replies (celery beat)."""
    return api_records_prune()
