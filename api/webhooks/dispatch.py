"""Fanning events out to subscribed endpoints, and queueing their deliveries for Celery.

Set-based: one query finds the subscribed endpoints (and none more is made when nobody
subscribes), one reads the offerings, one bulk insert writes every delivery. Deliveries are
queued in tasks of WEBHOOKS_TASK_BATCH, grouped by endpoint: a bulk change of 10,000 offerings
becomes 100 tasks per endpoint rather than 10,000, and a slow endpoint holds up only its own.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction

from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from api.webhooks.payloads import event_id_new, offering_data, payload_build
from offerings.models import Offering
from offerings.queries import among_ids
from ops.prepared import PreparedQuery


@dataclass(frozen=True)
class OfferingEvent:
    """Something that happened to an offering; `data` adds to what payloads say of it."""

    event_type: str
    offering_id: int
    data: dict[str, Any] = field(default_factory=dict)


def events_publish(*, events: Sequence[OfferingEvent], occurred_at: dt.datetime) -> int:
    """Write a delivery of each event for every active endpoint subscribed to its type, then
    queue them once the write commits; returns how many deliveries were written."""
    if not events:
        return 0
    subscribers = _subscribers()
    events = [event for event in events if subscribers.get(event.event_type)]
    if not events:
        return 0
    offerings = {
        pk: offering_data(slug=slug, name=name, symbol=symbol)
        for pk, slug, name, symbol in Offering.objects.filter(
            among_ids(sorted({event.offering_id for event in events}), "pk")
        ).values_list("pk", "slug", "name", "symbol")
    }
    deliveries = []
    for event in events:
        offering = offerings.get(event.offering_id)
        if offering is None:  # deleted since
            continue
        event_id = event_id_new()
        payload = payload_build(
            event_type=event.event_type, occurred_at=occurred_at, data={**offering, **event.data}
        )
        deliveries.extend(
            WebhookDelivery(
                endpoint_id=endpoint_id,
                event_id=event_id,
                event_type=event.event_type,
                payload=payload,
                next_attempt_at=occurred_at,
            )
            for endpoint_id in subscribers[event.event_type]
        )
    with transaction.atomic():
        written = WebhookDelivery.objects.bulk_create(deliveries)
        deliveries_enqueue(written)
    return len(written)


def deliveries_enqueue(deliveries: Iterable[WebhookDelivery]) -> None:
    """Queue the deliveries (after the current transaction commits) in tasks of
    WEBHOOKS_TASK_BATCH ids, each task holding one endpoint's deliveries."""
    by_endpoint: dict[int, list[int]] = defaultdict(list)
    for delivery in deliveries:
        by_endpoint[delivery.endpoint_id].append(delivery.pk)
    size = max(1, settings.WEBHOOKS_TASK_BATCH)
    batches = [
        ids[start : start + size]
        for ids in by_endpoint.values()
        for start in range(0, len(ids), size)
    ]
    if batches:
        # robust: with the broker down the rows stay pending and the beat task queues them.
        transaction.on_commit(lambda: _send(batches), robust=True)


def _send(batches: list[list[int]]) -> None:
    from api.webhooks.tasks import deliver_webhooks

    for batch in batches:
        deliver_webhooks.delay(batch)


# Asked on every write: its statement (a join through roles and permissions) prepared once.
_SUBSCRIBED = PreparedQuery(
    lambda: WebhookEndpoint.objects.active().of_the_team().values_list("id", "events")
)


def _subscribers() -> dict[str, list[int]]:
    """Event type → ids of the active endpoints subscribed to it (one query; endpoints are
    few, so their event lists are read whole rather than searched in JSON)."""
    subscribers: dict[str, list[int]] = defaultdict(list)
    for endpoint_id, events in _SUBSCRIBED.fetch():
        for event_type in events or ():
            subscribers[event_type].append(endpoint_id)
    return subscribers
