"""Provider rate limits and circuit breakers shared through Redis by every process on every
machine (workers of one deployment), so N workers together stay under a provider's limit and
one process opening a circuit stops the others.

Both keep their state in Redis and change it in one Lua script each (atomic on the server):
the token bucket stores (tokens, updated) with Redis's own clock, so machines whose clocks
disagree still share one bucket. They have the interface of the in-process RateLimiter and
CircuitBreaker of offerings/resilience.py, which stay the fallback when no Redis cache is
configured (the embedded default)."""

from __future__ import annotations

import hashlib
import time

from offerings.resilience import ProviderUnavailable, Sleep

# KEYS[1] bucket; ARGV: interval (s per token), capacity. Returns the seconds to wait (as a
# string: Lua numbers become integers in replies) for the token taken now.
TOKEN_BUCKET = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local interval = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1]) or capacity
local updated = tonumber(state[2]) or now
tokens = math.min(capacity, tokens + (now - updated) / interval)
local wait = 0
if tokens < 1 then wait = (1 - tokens) * interval end
tokens = tokens - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(interval * (capacity + 2 - tokens)) + 60)
return tostring(wait)
"""

# KEYS[1] breaker; ARGV: failures threshold, cooldown. Counts a failure and opens the
# circuit (stamping Redis's time) once the threshold is reached. Returns 1 when it opened now.
BREAKER_FAILURE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local failed = redis.call('HINCRBY', KEYS[1], 'failed', 1)
redis.call('HSET', KEYS[1], 'cooldown', ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]) * 4 + 3600)
if failed >= tonumber(ARGV[1]) then
  local was = redis.call('HGET', KEYS[1], 'opened_at')
  redis.call('HSET', KEYS[1], 'opened_at', tostring(now))
  if not was then return 1 end
end
return 0
"""

# KEYS[1] breaker; ARGV: cooldown, trial (1 or 0). Returns the seconds the circuit stays open
# (0 = closed) and the failures counted. With trial=1, past the cool-down opened_at is cleared:
# calls pass again, and the next failure reopens it at once, as the in-process breaker does.
BREAKER_CHECK = """
local opened = redis.call('HMGET', KEYS[1], 'opened_at', 'failed')
if not opened[1] then return {'0', opened[2] or '0'} end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local remaining = tonumber(opened[1]) + tonumber(ARGV[1]) - now
if remaining > 0 then return {tostring(remaining), opened[2] or '0'} end
if ARGV[2] == '1' then redis.call('HDEL', KEYS[1], 'opened_at') end
return {'0', opened[2] or '0'}
"""


class SharedRateLimiter:
    """A token bucket in Redis: `calls_per_minute` calls spread evenly across every process,
    bursts up to `burst`. Each caller takes its token at once and sleeps for its turn."""

    def __init__(
        self,
        client,
        key: str,
        calls_per_minute: int,
        *,
        burst: int = 1,
        sleep: Sleep = time.sleep,
    ) -> None:
        if calls_per_minute < 1:
            raise ValueError(f"calls_per_minute ({calls_per_minute}) must be at least 1")
        self.key, self.interval, self.capacity = key, 60.0 / calls_per_minute, float(burst)
        self.sleep = sleep
        self._take = client.register_script(TOKEN_BUCKET)

    def acquire(self) -> float:
        """Take one token, sleeping until its turn; returns the seconds waited."""
        wait = float(self._take(keys=[self.key], args=[self.interval, self.capacity]))
        if wait:
            self.sleep(wait)
        return wait


class SharedCircuitBreaker:
    """Opens after `failures` failed calls in a row, counted across every process; while open
    every process fails at once. After `cooldown` seconds calls are let through again: a
    success closes it, the next failure reopens it."""

    def __init__(self, client, key: str, *, failures: int, cooldown: float) -> None:
        self.client, self.key = client, key
        self.failures, self.cooldown = failures, cooldown
        self._fail = client.register_script(BREAKER_FAILURE)
        self._check = client.register_script(BREAKER_CHECK)

    def before_call(self) -> None:
        remaining, failed = self._check(keys=[self.key], args=[self.cooldown, 1])
        if float(remaining) > 0:
            raise ProviderUnavailable(
                f"provider failed {int(failed)} times in a row; not called for another "
                f"{float(remaining):.0f} s"
            )

    def record_success(self) -> None:
        self.client.delete(self.key)

    def record_failure(self) -> bool:
        """Count a failure; True when this one opened the circuit."""
        return bool(self._fail(keys=[self.key], args=[self.failures, self.cooldown]))

    @property
    def is_open(self) -> bool:
        remaining, _ = self._check(keys=[self.key], args=[self.cooldown, 0])
        return float(remaining) > 0


def redis_client_from_cache():
    """The Redis client of Django's default cache when it is Redis, else None."""
    from django.core.cache import cache

    backend = getattr(cache, "_cache", None)
    get_client = getattr(backend, "get_client", None)
    if get_client is None:
        return None
    return get_client(write=True)


def redis_key(endpoint: tuple, part: str) -> str:
    """`offerwatch:provider:<name>:<digest of the endpoint>:<part>`; the digest keeps URLs
    (which may hold keys) out of Redis key names."""
    digest = hashlib.sha256(repr(endpoint).encode()).hexdigest()[:16]
    return f"offerwatch:provider:{endpoint[0]}:{digest}:{part}"


def breakers_open_in_redis(client) -> dict[str, bool]:
    """Every shared breaker any process has counted a failure on: provider name -> open now
    (for the metrics; a web process that never called a provider still reports them)."""
    seconds, micros = client.time()
    now = seconds + micros / 1_000_000
    state: dict[str, bool] = {}
    for key in client.scan_iter(match="offerwatch:provider:*:breaker", count=100):
        opened_at, cooldown = client.hmget(key, "opened_at", "cooldown")
        provider = key.decode().split(":")[2]
        is_open = opened_at is not None and float(opened_at) + float(cooldown or 0) > now
        state[provider] = state.get(provider, False) or is_open
    return state
