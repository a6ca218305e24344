"""What the request telemetry middleware costs per request (README "Running in production"):
`python -m ops.overhead`. Times a bare view called directly and through the middleware, with
the request log off (development) and on (production's JSON line, written to nowhere)."""

from __future__ import annotations

import logging
import os
import timeit


def main(number: int = 20_000) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.http import HttpResponse
    from django.test import RequestFactory
    from django.urls import resolve

    from ops.logs import JsonFormatter, RequestIdFilter
    from ops.middleware import RequestTelemetryMiddleware

    request = RequestFactory().get("/healthz")
    match = resolve("/healthz")
    response = HttpResponse(b"{}")

    def view(req):
        req.resolver_match = match
        return response

    wrapped = RequestTelemetryMiddleware(view)
    bare = min(timeit.repeat(lambda: view(request), number=number, repeat=5)) / number
    logger = logging.getLogger("offerwatch.requests")
    logger.setLevel(logging.WARNING)
    quiet = min(timeit.repeat(lambda: wrapped(request), number=number, repeat=5)) / number
    logger.setLevel(logging.INFO)
    sink = logging.StreamHandler(open(os.devnull, "w"))  # noqa: SIM115 - open for the run
    sink.addFilter(RequestIdFilter())
    sink.setFormatter(JsonFormatter())
    logger.handlers, logger.propagate = [sink], False
    logged = min(timeit.repeat(lambda: wrapped(request), number=number, repeat=5)) / number
    print(f"request telemetry per request: {(quiet - bare) * 1e6:.1f} µs (development, no log")
    print(f"line); {(logged - bare) * 1e6:.1f} µs with production's JSON log line")


if __name__ == "__main__":
    main()
