"""Moved to offerings/resilience.py (shared by every provider package); re-exported here so
code written against the old path keeps working."""

from offerings.resilience import (  # noqa: F401
    Backoff,
    CircuitBreaker,
    Clock,
    ProviderError,
    ProviderNotFound,
    ProviderUnavailable,
    RateLimiter,
    Sleep,
    retry_after_seconds,
)
