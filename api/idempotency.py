"""`Idempotency-Key` on POST: the first successful reply is stored and replayed for 24 hours.

A repeat with the same key and the same request gets the stored status and body (header
`Idempotent-Replayed: true`) and creates nothing; the same key with a different request is a
422; a repeat while the first is still running is a 409. Keys are scoped to the API key. A
request that fails (4xx/5xx) stores nothing, so a corrected retry may reuse the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from functools import wraps

import orjson
from django.conf import settings
from django.utils import timezone
from rest_framework.response import Response

from api.models import IdempotentReply
from api.problems import Problem
from ops.claims import claimed

HEADER = "Idempotency-Key"
MAX_LENGTH = 255


def _request_digest(request) -> str:
    target = f"{request.method} {request.path}?{request.META.get('QUERY_STRING', '')}"
    return hashlib.sha256(target.encode() + b"\n" + request.body).hexdigest()


def _claim(request, key: str, digest: str) -> IdempotentReply | None:
    """Insert the pending reply; return the earlier one if the key was used already."""
    ttl = dt.timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    for _ in range(2):
        pending = IdempotentReply(api_key=request.auth, idempotency_key=key, request_digest=digest)
        if claimed(pending, unique=("api_key", "idempotency_key")):  # one statement
            return None
        earlier = IdempotentReply.objects.filter(api_key=request.auth, idempotency_key=key).first()
        if earlier is None:
            continue  # deleted meanwhile (a failed first attempt): claim again
        if earlier.created_at < timezone.now() - ttl:
            earlier.delete()
            continue
        return earlier
    raise Problem(
        f"{HEADER} {key!r} is being claimed by a concurrent request; retry shortly",
        status_code=409,
        code="idempotency_in_progress",
    )


def idempotent(handler):
    """Decorate a DRF view's `post` so an Idempotency-Key replays the first reply."""

    @wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not 1 <= len(key) <= MAX_LENGTH or not key.isprintable():
            raise Problem(
                "invalid Idempotency-Key",
                code="validation",
                errors=[
                    {
                        "field": HEADER,
                        "value": key[:100],
                        "rule": f"must be 1-{MAX_LENGTH} printable characters",
                    }
                ],
            )
        digest = _request_digest(request)
        earlier = _claim(request, key, digest)
        if earlier is not None:
            return _replay(earlier, key, digest)
        scope = IdempotentReply.objects.filter(api_key=request.auth, idempotency_key=key)
        try:
            response = handler(view, request, *args, **kwargs)
        except BaseException:
            scope.delete()
            raise
        if response.status_code >= 400:
            scope.delete()
            return response
        scope.update(
            status=response.status_code,
            body=orjson.dumps(response.data),
            content_type="application/json",
        )
        return response

    return wrapper


def _replay(earlier: IdempotentReply, key: str, digest: str) -> Response:
    if earlier.request_digest != digest:
        raise Problem(
            f"{HEADER} {key!r} was used with a different request; use a new key for a new request",
            status_code=422,
            code="idempotency_mismatch",
        )
    if earlier.status is None:
        raise Problem(
            f"the first request with {HEADER} {key!r} is still running; retry shortly",
            status_code=409,
            code="idempotency_in_progress",
        )
    return Response(
        orjson.loads(bytes(earlier.body)),
        status=earlier.status,
        headers={"Idempotent-Replayed": "true"},
    )
