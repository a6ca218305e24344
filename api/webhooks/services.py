"""Managing webhook endpoints: subscribe, change, rotate the secret, ping, redeliver."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from api.webhooks.destinations import Resolver, destination_check
from api.webhooks.dispatch import deliveries_enqueue
from api.webhooks.models import PING, Event, WebhookDelivery, WebhookEndpoint
from api.webhooks.payloads import event_id_new, payload_build
from api.webhooks.signing import secret_generate
from api.webhooks.vault import secret_decrypt, secret_encrypt

MAX_OVERLAP_HOURS = 7 * 24


def endpoint_create(
    *,
    owner: Any,
    url: str,
    events: Iterable[str],
    description: str = "",
    resolver: Resolver | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Subscribe `url` to `events` for `owner`; returns the endpoint and its secret, which is
    shown this once (only an encrypted copy is stored)."""
    held = WebhookEndpoint.objects.owned_by(owner).count()
    if held >= settings.WEBHOOKS_ENDPOINTS_PER_USER:
        raise ValidationError(
            {
                "url": [
                    f"you already have {held} webhook endpoints, the most a user may "
                    f"(WEBHOOKS_ENDPOINTS_PER_USER={settings.WEBHOOKS_ENDPOINTS_PER_USER}); "
                    "delete one first"
                ]
            }
        )
    secret = secret_generate()
    endpoint = WebhookEndpoint(
        owner=owner,
        url=url,
        description=description,
        events=events_clean(events),
        secret_encrypted=secret_encrypt(secret),
    )
    destination_check(url, resolver=resolver)
    endpoint.full_clean()
    endpoint.save()
    return endpoint, secret


def endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    is_active: bool | None = None,
    resolver: Resolver | None = None,
) -> WebhookEndpoint:
    """Change the given fields; enabling an endpoint clears its failure streak."""
    if url is not None and url != endpoint.url:
        destination_check(url, resolver=resolver)
        endpoint.url = url
    if events is not None:
        endpoint.events = events_clean(events)
    if description is not None:
        endpoint.description = description
    if is_active is True and not endpoint.is_active:
        endpoint.is_active = True
        endpoint.disabled_reason, endpoint.disabled_at = "", None
        endpoint.consecutive_failures = 0
    elif is_active is False and endpoint.is_active:
        endpoint_disable(endpoint=endpoint, reason="disabled by its owner", save=False)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


def endpoint_disable(*, endpoint: WebhookEndpoint, reason: str, save: bool = True) -> None:
    endpoint.is_active = False
    endpoint.disabled_reason = reason[:300]
    endpoint.disabled_at = timezone.now()
    if save:
        endpoint.save(update_fields=["is_active", "disabled_reason", "disabled_at", "updated_at"])


def endpoint_secret_rotate(*, endpoint: WebhookEndpoint, overlap_hours: int | None = None) -> str:
    """Give the endpoint a new secret and return it (shown once); the old one keeps signing
    beside it for `overlap_hours` (WEBHOOKS_SECRET_OVERLAP_HOURS by default, at most 7 days)."""
    if overlap_hours is None:
        overlap_hours = settings.WEBHOOKS_SECRET_OVERLAP_HOURS
    if not 0 <= overlap_hours <= MAX_OVERLAP_HOURS:
        raise ValidationError(
            {
                "overlap_hours": [
                    f"overlap_hours ({overlap_hours}) must be between 0 and {MAX_OVERLAP_HOURS}"
                ]
            }
        )
    secret = secret_generate()
    if overlap_hours:
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_secret_expires_at = timezone.now() + dt.timedelta(hours=overlap_hours)
    else:
        endpoint.previous_secret_encrypted, endpoint.previous_secret_expires_at = "", None
    endpoint.secret_encrypted = secret_encrypt(secret)
    endpoint.save()
    return secret


def endpoint_secrets(endpoint: WebhookEndpoint, *, now: dt.datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, then the previous one while its
    overlap lasts."""
    secrets = [secret_decrypt(endpoint.secret_encrypted)]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret_encrypted and expires and expires > now:
        secrets.append(secret_decrypt(endpoint.previous_secret_encrypted))
    return secrets


def endpoint_ping(*, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """Queue a `webhook.ping` event to the endpoint (whatever it subscribes to)."""
    _require_active(endpoint)
    now = timezone.now()
    event_id = event_id_new()
    payload = payload_build(
        event_type=PING, occurred_at=now, data={"endpoint_id": endpoint.pk, "url": endpoint.url}
    )
    return _queue(
        WebhookDelivery(
            endpoint=endpoint,
            event_id=event_id,
            event_type=PING,
            payload=payload,
            next_attempt_at=now,
        )
    )


def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery's event again, as a new delivery with the same webhook-id and payload
    (so receivers that deduplicate by id see it as the same event)."""
    _require_active(delivery.endpoint)
    return _queue(
        WebhookDelivery(
            endpoint=delivery.endpoint,
            event_id=delivery.event_id,
            event_type=delivery.event_type,
            payload=delivery.payload,
            redelivery_of=delivery,
            next_attempt_at=timezone.now(),
        )
    )


def events_clean(events: Iterable[str]) -> list[str]:
    """The subscribed events, checked and without repeats."""
    if isinstance(events, str):
        events = [events]
    chosen = list(dict.fromkeys(events))
    if not chosen:
        raise ValidationError({"events": ["events must name at least one event type"]})
    unknown = [event for event in chosen if event not in Event.values]
    if unknown:
        raise ValidationError(
            {
                "events": [
                    f"events: {name!r} is not an event type; choose from {', '.join(Event.values)}"
                    for name in unknown
                ]
            }
        )
    return chosen


def _require_active(endpoint: WebhookEndpoint) -> None:
    if not endpoint.is_active:
        reason = f" ({endpoint.disabled_reason})" if endpoint.disabled_reason else ""
        raise ValidationError(
            {"endpoint": [f"endpoint {endpoint.pk} is disabled{reason}; enable it first"]}
        )


def _queue(delivery: WebhookDelivery) -> WebhookDelivery:
    with transaction.atomic():
        delivery.save()
        deliveries_enqueue([delivery])
    return delivery
