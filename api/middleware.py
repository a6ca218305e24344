"""What every /api/ reply carries, whatever answered it (a view, a problem handler, Django)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class ApiNoStoreMiddleware:
    """`Cache-Control: no-store` on every reply under /api/: offerings, keys, audit entries and
    problems are per-key data that no browser or proxy cache may keep. Listed first in
    MIDDLEWARE so that it also marks the problems other middleware answers with (a bad Host)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response["Cache-Control"] = "no-store"
        return response
