"""Rate limits: per API key, and per client IP for requests without a valid key.

With Redis as the cache (production), each limit is a sliding log of the requests in its
window, kept in a sorted set scored by Redis's own clock, and checked and added to by one Lua
script: one round trip a request, and atomic, so requests arriving together from several
processes are all counted (DRF's cache throttle reads the log, then writes it back whole: two
round trips, and concurrent requests overwrite each other's entries, letting more through
than the rate). Without Redis (the embedded default) DRF's own throttle runs on the cache.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle

from api.addresses import client_ip, throttle_ident
from offerings.shared_guards import redis_client_from_cache

# KEYS[1] the log; ARGV: window (s), limit, a member of its own. Returns {1, 0} when the
# request is let through (and logged), {0, seconds until the oldest entry leaves the window}
# when it is refused (and not logged).
SLIDING_LOG = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {0, tostring(tonumber(oldest[2]) + window - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], math.ceil(window * 1000) + 1000)
return {1, '0'}
"""
_script = None


def _sliding_log(client):
    global _script
    if _script is None:
        _script = client.register_script(SLIDING_LOG)
    return _script


class SharedRateThrottle(SimpleRateThrottle):
    """SimpleRateThrottle whose log is kept in Redis by one atomic script when the cache is
    Redis; subclasses give the scope, rate and key as for SimpleRateThrottle."""

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        client = redis_client_from_cache()
        if client is None:
            return super().allow_request(request, view)
        ident = self.get_cache_key(request, view)
        if ident is None:
            return True
        allowed, wait = _sliding_log(client)(
            keys=[f"ow:throttle:{ident}"],
            args=[self.duration, self.num_requests, secrets.token_hex(8)],
            client=client,
        )
        self._wait = float(wait)
        return bool(int(allowed))

    def wait(self) -> float | None:
        if hasattr(self, "_wait"):
            return self._wait
        return super().wait()


class AnonymousRateThrottle(SharedRateThrottle):
    """Requests that carry no valid key, counted per client address (API_THROTTLE_ANON_RATE)."""

    scope = "api_anon"

    def get_rate(self) -> str:
        return settings.API_THROTTLE_ANON_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {
            "scope": self.scope,
            "ident": throttle_ident(client_ip(request)),
        }


class ApiRateThrottle(SharedRateThrottle):
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
