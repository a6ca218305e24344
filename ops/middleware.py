"""Per-request telemetry: a request id, the latency and query-count series, one JSON log line.

Kept cheap (it wraps every request, API ones included): no database access of its own, no
user loaded that the view did not load, and the route label read from the resolver match."""

from __future__ import annotations

import logging
import time

from django.db import connection
from django.utils.functional import empty

from ops import metrics
from ops.logs import request_id_for, request_id_var

logger = logging.getLogger("offerwatch.requests")


class _QueryCounter:
    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def route_of(request) -> str:
    """The URL pattern's name (or the pattern itself when unnamed); "unmatched" for a 404
    that matched no pattern. Never the raw path, whose ids would explode the label set."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


def _who(request) -> dict[str, object]:
    """The API key's public id, or the user's id, when the request already knew them."""
    key_id = getattr(getattr(request, "auth", None), "key_id", None)
    if key_id:
        return {"key_id": key_id}
    user = request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is not None and wrapped is not empty and getattr(wrapped, "is_authenticated", False):
        return {"user_id": wrapped.pk}
    return {}


class RequestTelemetryMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request.headers.get("X-Request-ID"))
        token = request_id_var.set(request_id)
        counter = _QueryCounter()
        started = time.perf_counter()
        try:
            with connection.execute_wrapper(counter):
                response = self.get_response(request)
            duration = time.perf_counter() - started
            route = route_of(request)
            status = response.status_code
            metrics.request_latency.labels(route, request.method, status).observe(duration)
            metrics.request_queries.labels(route).observe(counter.count)
            response["X-Request-ID"] = request_id
            if logger.isEnabledFor(logging.INFO):
                logger.info(
                    "%s %s %s",
                    request.method,
                    route,
                    status,
                    extra={
                        "route": route,
                        "method": request.method,
                        "status": status,
                        "duration_ms": round(duration * 1000, 2),
                        "queries": counter.count,
                        **_who(request),
                    },
                )
            return response
        finally:
            request_id_var.reset(token)
