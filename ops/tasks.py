from __future__ import annotations

from celery import shared_task

from ops.heartbeat import beat_heartbeat_record


@shared_task(ignore_result=True)
def beat_heartbeat() -> None:
    """Scheduled by celery beat: a fresh heartbeat shows beat, the broker and a worker alive."""
    beat_heartbeat_record()
