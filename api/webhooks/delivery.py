"""Sending deliveries: sign, POST once with timeouts, record the outcome, schedule retries.

2xx is success; 410 Gone disables the endpoint at once; anything else (another status, a
redirect, which is never followed, a timeout, a refused connection, a URL that now resolves
somewhere private) is retried after the next wait of WEBHOOKS_RETRY_SCHEDULE, with jitter.
A delivery that fails its last attempt counts towards WEBHOOKS_DISABLE_AFTER_FAILURES.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from api.webhooks.destinations import Resolver, destination_check
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from api.webhooks.payloads import body_encode
from api.webhooks.services import endpoint_disable, endpoint_secrets
from api.webhooks.signing import signed_headers

logger = logging.getLogger(__name__)

# A claimed delivery is not claimed again for this long (a worker that died mid-send).
LEASE = dt.timedelta(minutes=5)
# A new delivery still pending this long after it was queued lost its task (broker down).
LOST_AFTER = dt.timedelta(minutes=30)
RESPONSE_EXCERPT_BYTES = 200
USER_AGENT = "Offerwatch-Webhooks/1"
Status = WebhookDelivery.Status
_random = secrets.SystemRandom()


def retry_delay(attempts: int, *, jitter: float | None = None) -> dt.timedelta | None:
    """The wait after a delivery's `attempts`-th failed attempt (None: no retry left), with
    `jitter` in -1..1 scaling it by up to WEBHOOKS_RETRY_JITTER_PERCENT (random if None)."""
    schedule = settings.WEBHOOKS_RETRY_SCHEDULE
    if attempts > len(schedule):
        return None
    if jitter is None:
        jitter = _random.uniform(-1.0, 1.0)
    spread = settings.WEBHOOKS_RETRY_JITTER_PERCENT / 100
    return dt.timedelta(seconds=schedule[attempts - 1] * (1 + spread * jitter))


@dataclass
class SendReport:
    """What a batch left to do: ids the deadline kept from being looked at, and ids whose
    retry is due sooner than the beat task's next sweep (`retry_in` seconds at most)."""

    rest: list[int] = field(default_factory=list)
    retry_soon: list[int] = field(default_factory=list)
    retry_in: float = 0.0


def deliveries_send(
    *,
    delivery_ids: Sequence[int],
    deadline: float | None = None,
    now: dt.datetime | None = None,
    resolver: Resolver | None = None,
    transport: httpx.BaseTransport | None = None,
) -> SendReport:
    """Attempt every due delivery among `delivery_ids`, one after the other over one HTTP
    client, stopping at `deadline` (time.monotonic()) after the first."""
    report = SendReport()
    timeout = httpx.Timeout(
        settings.WEBHOOKS_TIMEOUT_SECONDS, connect=settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS
    )
    with httpx.Client(
        timeout=timeout, follow_redirects=False, trust_env=False, transport=transport
    ) as client:
        for index, delivery_id in enumerate(delivery_ids):
            # At least one attempt per call, so a batch always makes progress.
            if index and deadline is not None and time.monotonic() > deadline:
                report.rest = list(delivery_ids[index:])
                break
            delivery = delivery_attempt(
                delivery_id=delivery_id, client=client, now=now, resolver=resolver
            )
            if delivery is not None and delivery.status == Status.RETRYING:
                wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
                if wait <= settings.WEBHOOKS_SWEEP_SECONDS:
                    report.retry_soon.append(delivery_id)
                    report.retry_in = max(report.retry_in, wait)
    return report


def delivery_attempt(
    *,
    delivery_id: int,
    client: httpx.Client,
    now: dt.datetime | None = None,
    resolver: Resolver | None = None,
) -> WebhookDelivery | None:
    """Make one attempt of the delivery if it is due and no other worker holds it."""
    now = now or timezone.now()
    claimed = WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now),
        pk=delivery_id,
        status__in=[Status.PENDING, Status.RETRYING],
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.is_active:
        delivery.status, delivery.next_attempt_at = Status.FAILED, None
        delivery.last_error = f"not sent: the endpoint is disabled ({endpoint.disabled_reason})"
        delivery.save()
        return delivery
    code, latency_ms, error = _post(delivery, endpoint, client, now, resolver)
    _record(delivery, endpoint, now=now, code=code, latency_ms=latency_ms, error=error)
    return delivery


def _post(
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    client: httpx.Client,
    now: dt.datetime,
    resolver: Resolver | None,
) -> tuple[int | None, int | None, str]:
    """POST the signed event; (status code, latency in ms, error text)."""
    try:
        destination = destination_check(endpoint.url, resolver=resolver)
    except ValidationError as exc:
        logger.info("webhook %s: destination refused: %s", delivery.pk, exc.messages)
        return None, None, ERROR_DESTINATION
    body = body_encode(delivery.payload)
    headers = {
        **signed_headers(
            secrets=endpoint_secrets(endpoint, now=now),
            event_id=delivery.event_id,
            timestamp=int(now.timestamp()),
            body=body,
        ),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "host": destination.host_header,
    }
    extensions = {"sni_hostname": destination.sni_hostname} if destination.sni_hostname else {}
    started = time.perf_counter()
    try:
        request = client.build_request(
            "POST", destination.request_url, content=body, headers=headers, extensions=extensions
        )
        response = client.send(request, stream=True)
        try:
            latency_ms = round((time.perf_counter() - started) * 1000)
            excerpt = _excerpt(response)
        finally:
            response.close()
    except httpx.TimeoutException as exc:
        return None, None, f"{ERROR_TIMEOUT} ({type(exc).__name__})"
    except httpx.HTTPError as exc:
        # The owner gets the category; the detail (addresses, resolver and TLS errors) stays in
        # our logs, so an endpoint cannot be used to probe the network behind us.
        logger.info("webhook %s: %s: %s", delivery.pk, type(exc).__name__, exc)
        return None, None, _error_category(exc)
    if response.is_success:
        return response.status_code, latency_ms, ""
    return response.status_code, latency_ms, f"HTTP {response.status_code}: {excerpt}"[:500]


ERROR_DESTINATION = "destination not allowed: the URL no longer passes the endpoint checks"
ERROR_TIMEOUT = "timed out"
ERROR_CONNECT = "connection failed"
ERROR_TLS = "TLS handshake or certificate failed"
ERROR_PROTOCOL = "the endpoint did not answer with valid HTTP"


def _error_category(exc: httpx.HTTPError) -> str:
    """A generic category of a failed call, safe to show to the endpoint's owner."""
    text = str(exc).lower()
    if "ssl" in text or "certificate" in text or "tls" in text:
        return ERROR_TLS
    if isinstance(exc, httpx.ConnectError | httpx.NetworkError):
        return ERROR_CONNECT
    return ERROR_PROTOCOL


def _excerpt(response: httpx.Response) -> str:
    """The start of the response body (never more is read: receivers need not be trusted)."""
    if response.is_success:
        return ""
    read = b""
    for chunk in response.iter_raw():
        read += chunk
        if len(read) >= RESPONSE_EXCERPT_BYTES:
            break
    return read[:RESPONSE_EXCERPT_BYTES].decode("utf-8", "replace")


def _record(
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    *,
    now: dt.datetime,
    code: int | None,
    latency_ms: int | None,
    error: str,
) -> None:
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_code, delivery.latency_ms, delivery.last_error = code, latency_ms, error
    delay = None if code == 410 else retry_delay(delivery.attempts)
    with transaction.atomic():
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.next_attempt_at = Status.SUCCEEDED, None
            WebhookEndpoint.objects.filter(pk=endpoint.pk, consecutive_failures__gt=0).update(
                consecutive_failures=0
            )
        elif delay is not None:
            delivery.status, delivery.next_attempt_at = Status.RETRYING, now + delay
        else:
            delivery.status, delivery.next_attempt_at = Status.FAILED, None
            _count_failure(endpoint, gone=code == 410)
        delivery.save()
    logger.info(
        "webhook delivery %s (%s) to endpoint %s: %s after attempt %s, HTTP %s",
        delivery.pk,
        delivery.event_type,
        endpoint.pk,
        delivery.status,
        delivery.attempts,
        code,
    )


def _count_failure(endpoint: WebhookEndpoint, *, gone: bool) -> None:
    if gone:
        endpoint_disable(endpoint=endpoint, reason="the endpoint answered 410 Gone")
        return
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    endpoint.refresh_from_db(fields=["consecutive_failures", "is_active"])
    limit = settings.WEBHOOKS_DISABLE_AFTER_FAILURES
    if endpoint.is_active and limit and endpoint.consecutive_failures >= limit:
        endpoint_disable(
            endpoint=endpoint,
            reason=f"{endpoint.consecutive_failures} deliveries in a row failed every attempt",
        )


def deliveries_due(*, now: dt.datetime | None = None, limit: int = 10_000):
    """Deliveries whose attempt is due: retries, and new ones whose task seems lost (still
    pending LOST_AFTER after they were queued)."""
    now = now or timezone.now()
    return (
        WebhookDelivery.objects.filter(
            Q(status=Status.RETRYING, next_attempt_at__lte=now)
            | Q(status=Status.PENDING, next_attempt_at__lte=now - LOST_AFTER)
        )
        .order_by("next_attempt_at", "pk")
        .only("pk", "endpoint_id")[:limit]
    )


def deliveries_prune(*, now: dt.datetime | None = None) -> int:
    """Delete finished deliveries older than WEBHOOKS_LOG_RETENTION_DAYS; returns how many."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.WEBHOOKS_LOG_RETENTION_DAYS)
    finished = [Status.SUCCEEDED, Status.FAILED]
    deleted, _ = WebhookDelivery.objects.filter(status__in=finished, created_at__lt=cutoff).delete()
    return deleted
