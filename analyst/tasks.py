"""Celery tasks of the web UI's notifications: thin wrappers that call a service. Scheduled by
celery beat (settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from analyst.unlock_alerts import unlock_alerts_send


@shared_task(acks_late=True)
def send_unlock_alerts() -> dict:
    """The daily unlock alerts (analyst.unlock_alerts); a re-run sends nothing twice."""
    report = unlock_alerts_send(today=timezone.localdate())
    return {
        "notifications": report.notifications,
        "announcements": report.announcements,
        "already_sent": report.already_sent,
    }
