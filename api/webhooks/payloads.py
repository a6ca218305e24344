"""The JSON of a webhook event: `{"type", "timestamp", "data"}` (Standard Webhooks)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse


def event_id_new() -> str:
    """A unique webhook-id; every attempt and redelivery of the event keeps it."""
    return f"msg_{uuid.uuid4().hex}"


def payload_build(*, event_type: str, occurred_at: dt.datetime, data: dict[str, Any]) -> dict:
    return {
        "type": event_type,
        "timestamp": occurred_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"),
        "data": data,
    }


def offering_data(*, slug: str, name: str, symbol: str) -> dict[str, Any]:
    """What every offering event says of the offering."""
    site = settings.WEBHOOKS_SITE_URL
    return {
        "slug": slug,
        "name": name,
        "symbol": symbol or None,
        "url": site + reverse("offerings:detail", args=[slug]),
        "api_url": f"{site}/api/v1/offerings/{slug}/",
    }


def body_encode(payload: dict) -> bytes:
    """The bytes that are signed and sent: compact JSON, keys sorted, the same every attempt."""
    return json.dumps(
        payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=_decimal
    ).encode()


def score_text(score: Decimal | None) -> str | None:
    """Scores travel as strings, so no consumer reads a float into them."""
    return None if score is None else str(score)


def _decimal(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
