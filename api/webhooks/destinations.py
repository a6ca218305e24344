"""Where a webhook may be sent: HTTPS URLs whose host resolves only to public addresses (SSRF).

Checked when an endpoint is subscribed and again right before every delivery, which then
connects to the very address it checked (offerings.safe_fetch, shared with the whitepaper
intake). Settings WEBHOOKS_ALLOW_HTTP and WEBHOOKS_ALLOW_PRIVATE_URLS relax the rules for local
testing.
"""

from __future__ import annotations

from django.conf import settings

from offerings.safe_fetch import (
    HTTPS_PORTS as ALLOWED_PORTS,
)
from offerings.safe_fetch import (
    Address,
    Destination,
    Resolver,
    address_problem,
    resolve,
    url_check,
)

__all__ = ["ALLOWED_PORTS", "Address", "Destination", "Resolver", "address_problem", "resolve"]


def destination_check(url: str, *, resolver: Resolver | None = None) -> Destination:
    """Check `url` and pick the address to connect to; ValidationError naming the url if not."""
    return url_check(
        url,
        allow_http=settings.WEBHOOKS_ALLOW_HTTP,
        allow_private=settings.WEBHOOKS_ALLOW_PRIVATE_URLS,
        purpose="webhook endpoints",
        # Looked up here at call time, so tests can stand in for the system resolver.
        resolver=resolver or resolve,
    )
