"""Rate limits: per API key, and per client IP for requests without a valid key."""

from __future__ import annotations

from django.conf import settings
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from api.addresses import client_ip, throttle_ident


class AnonymousRateThrottle(SimpleRateThrottle):
    """Requests that carry no valid key, counted per client address (API_THROTTLE_ANON_RATE)."""

    scope = "api_anon"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_ANON_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {
            "scope": self.scope,
            "ident": throttle_ident(client_ip(request)),
        }


class ApiRateThrottle(SimpleRateThrottle):
    """Per key (API_THROTTLE_KEY_RATE) once authenticated, else per client address."""

    scope = "api_key"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_KEY_RATE

    def allow_request(self, request, view) -> bool:
        if getattr(request, "auth", None) is None:
            anonymous = AnonymousRateThrottle()
            allowed = anonymous.allow_request(request, view)
            self.wait = anonymous.wait
            return allowed
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": request.auth.key_id}


def anonymous_throttle_check(request) -> None:
    """Count a request before its key is checked, so guessing keys is rate-limited too."""
    throttle = AnonymousRateThrottle()
    if getattr(request, "_ow_anon_counted", False):
        return
    request._ow_anon_counted = True
    if not throttle.allow_request(request, None):
        raise exceptions.Throttled(throttle.wait())
