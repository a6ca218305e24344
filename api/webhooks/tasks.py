"""Celery tasks: they only fetch by id and call the delivery functions."""

from __future__ import annotations

import time

from celery import shared_task
from django.conf import settings

from api.webhooks.delivery import deliveries_due, deliveries_prune, deliveries_send
from api.webhooks.dispatch import deliveries_enqueue


@shared_task(acks_late=True)
def deliver_webhooks(delivery_ids: list[int]) -> int:
    """Attempt these deliveries (one endpoint's). What the time budget leaves is queued anew,
    and retries due before the next sweep are queued for their time. Returns how many were
    left over."""
    report = deliveries_send(
        delivery_ids=delivery_ids, deadline=time.monotonic() + settings.WEBHOOKS_TASK_SECONDS
    )
    if report.rest:
        deliver_webhooks.delay(report.rest)
    if report.retry_soon:
        deliver_webhooks.apply_async((report.retry_soon,), countdown=report.retry_in)
    return len(report.rest)


@shared_task(acks_late=True)
def deliver_due_webhooks() -> int:
    """Queue every delivery whose retry is due (celery beat, every WEBHOOKS_SWEEP_SECONDS)."""
    due = list(deliveries_due())
    deliveries_enqueue(due)
    return len(due)


@shared_task(acks_late=True)
def prune_webhook_deliveries() -> int:
    """Forget finished deliveries past the retention period (celery beat, daily)."""
    return deliveries_prune()
