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


# Label children by (route, method, status): looking one up in prometheus-client costs more
# than the observation itself. Bounded: routes, methods and statuses are finite sets.
_latency_children: dict[tuple, object] = {}
_query_children: dict[str, object] = {}


def _observe(route: str, method: str, status: int, duration: float, queries: int) -> None:
    key = (route, method, status)
    latency = _latency_children.get(key)
    if latency is None:
        latency = _latency_children[key] = metrics.request_latency.labels(route, method, status)
    latency.observe(duration)
    counted = _query_children.get(route)
    if counted is None:
        counted = _query_children[route] = metrics.request_queries.labels(route)
    counted.observe(queries)


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


def _log_line(message: str, fields: dict) -> None:
    """logger.info(message, extra=fields) without looking up the caller's frame (a third of
    the cost of a log call; the request line names no source line)."""
    record = logger.makeRecord(logger.name, logging.INFO, "", 0, message, (), None, extra=fields)
    logger.handle(record)


class RequestTelemetryMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_for(request.headers.get("x-request-id"))
        token = request_id_var.set(request_id)
        counter = _QueryCounter()
        # connection.execute_wrapper(counter) without its context-manager machinery.
        wrappers = connection.execute_wrappers
        wrappers.append(counter)
        started = time.perf_counter()
        try:
            try:
                response = self.get_response(request)
            finally:
                wrappers.remove(counter)
            duration = time.perf_counter() - started
            route = route_of(request)
            status = response.status_code
            _observe(route, request.method, status, duration, counter.count)
            response["X-Request-ID"] = request_id
            if logger.isEnabledFor(logging.INFO):
                _log_line(
                    f"{request.method} {route} {status}",
                    {
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
