"""Celery and model signals behind the metrics and the request id in task logs.

A task queued while a request is answered carries its request id in a message header; the
worker puts it back in the context, so the task's log lines carry it too."""

from __future__ import annotations

import time

from celery import signals as celery_signals
from django.db.models.signals import post_save
from django.dispatch import receiver

from api.webhooks.models import WebhookDelivery
from ops import metrics
from ops.logs import request_id_var

REQUEST_ID_HEADER = "offerwatch_request_id"
RESCORE_TASK = "diligence.tasks.rescore_offerings"

_started: dict[str, tuple[float, object]] = {}


@celery_signals.before_task_publish.connect(weak=False)
def _request_id_to_message(headers=None, **_) -> None:
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers[REQUEST_ID_HEADER] = request_id


def task_request_id(task) -> str:
    """The request id a task's message carries ("" when queued outside a request)."""
    request = task.request
    value = getattr(request, REQUEST_ID_HEADER, None)
    if value is None:
        value = (getattr(request, "headers", None) or {}).get(REQUEST_ID_HEADER)
    return value or ""


@celery_signals.task_prerun.connect(weak=False)
def _task_started(task_id=None, task=None, **_) -> None:
    token = None
    # An eager task runs inside the request that called it and keeps its id as it is.
    if task is not None and not task.request.is_eager:
        token = request_id_var.set(task_request_id(task))
    _started[task_id] = (time.perf_counter(), token)


@celery_signals.task_postrun.connect(weak=False)
def _task_finished(task_id=None, task=None, retval=None, state=None, **_) -> None:
    started, token = _started.pop(task_id, (None, None))
    if token is not None:
        request_id_var.reset(token)
    if task is None:
        return
    if started is not None:
        metrics.task_runtime.labels(task.name, state or "UNKNOWN").observe(
            time.perf_counter() - started
        )
    if task.name == RESCORE_TASK and isinstance(retval, dict):
        for result in ("assessed", "unchanged"):
            if retval.get(result):
                metrics.offerings_rescored.labels(result).inc(retval[result])


@celery_signals.task_failure.connect(weak=False)
def _task_failed(sender=None, **_) -> None:
    metrics.task_failures.labels(getattr(sender, "name", "unknown")).inc()


@receiver(post_save, sender=WebhookDelivery, dispatch_uid="ops.webhook_delivery_outcome")
def _webhook_delivery_saved(instance: WebhookDelivery, created: bool, **_) -> None:
    Status = WebhookDelivery.Status
    if created or not instance.attempts:
        return
    if instance.status in (Status.SUCCEEDED, Status.RETRYING, Status.FAILED):
        metrics.webhook_deliveries.labels(instance.status).inc()
