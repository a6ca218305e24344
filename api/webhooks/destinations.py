"""Where a webhook may be sent: HTTPS URLs whose host resolves only to public addresses (SSRF).

Checked when an endpoint is subscribed and again right before every delivery, which then
connects to the very address it checked (the URL's host is replaced by that address, with the
Host header and TLS server name kept), so DNS rebinding between check and connect is useless.
Settings WEBHOOKS_ALLOW_HTTP and WEBHOOKS_ALLOW_PRIVATE_URLS relax the rules for local testing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError

Resolver = Callable[[str, int], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Checked in this order, so an address is named by its most telling kind.
KINDS = (
    ("unspecified", "is_unspecified"),
    ("loopback", "is_loopback"),
    ("link-local", "is_link_local"),
    ("multicast", "is_multicast"),
    ("reserved", "is_reserved"),
    ("private", "is_private"),
)


ALLOWED_PORTS = (443, 8443)


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to (the system resolver)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


@dataclass(frozen=True)
class Destination:
    """A checked URL: `request_url` names the checked address instead of the host."""

    url: str
    address: str
    request_url: str
    host_header: str
    sni_hostname: str | None


def address_problem(address: Address) -> str | None:
    """Why a webhook may not go to `address` ("a loopback address"), or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address.teredo:
            embedded = address.teredo[1]
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            problem = address_problem(embedded)
            if problem:
                return f"{problem} ({embedded}) inside an IPv6 address"
    for kind, test in KINDS:
        if getattr(address, test):
            return f"a {kind} address"
    if not address.is_global:
        return "not a public address"
    return None


def destination_check(url: str, *, resolver: Resolver | None = None) -> Destination:
    """Check `url` and pick the address to connect to; ValidationError naming the url if not."""
    try:
        parsed = httpx.URL(url)
        host = parsed.host
    except (httpx.InvalidURL, TypeError, ValueError):  # IDNA errors are ValueErrors too
        raise _invalid(url, "is not a valid URL") from None
    if parsed.scheme not in ("https", "http") or not host:
        raise _invalid(url, "must be an absolute https:// URL")
    if parsed.scheme == "http" and not settings.WEBHOOKS_ALLOW_HTTP:
        raise _invalid(url, "uses http://; webhook endpoints must use https://")
    if parsed.userinfo:
        raise _invalid(url, "must not carry a user name or password")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    # Only the HTTPS ports: an endpoint must not turn deliveries into a scanner of other
    # services (the local-testing switches, private URLs or plain http, allow any port).
    local_testing = settings.WEBHOOKS_ALLOW_PRIVATE_URLS or settings.WEBHOOKS_ALLOW_HTTP
    if port not in ALLOWED_PORTS and not local_testing:
        raise _invalid(url, f"uses port {port}; webhook endpoints must use port 443 or 8443")
    addresses = _addresses(url, host, port, resolver or resolve)
    if not settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        for address in addresses:
            problem = address_problem(address)
            if problem:
                where = "names" if str(address) == host else f"resolves to {address},"
                raise _invalid(url, f"{where} {problem}; webhook endpoints must be public")
    chosen = str(addresses[0])
    return Destination(
        url=url,
        address=chosen,
        request_url=str(parsed.copy_with(host=chosen)),
        host_header=parsed.netloc.decode("ascii"),
        sni_hostname=None if _is_address(host) else host,
    )


def _addresses(url: str, host: str, port: int, resolver: Resolver) -> list[Address]:
    if _is_address(host):
        return [ipaddress.ip_address(host)]
    try:
        resolved = resolver(host, port)
    except (OSError, UnicodeError):
        resolved = []
    if not resolved:
        raise _invalid(url, f"has a host ({host}) that does not resolve")
    return [ipaddress.ip_address(address.split("%", 1)[0]) for address in resolved]


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _invalid(url: str, rule: str) -> ValidationError:
    return ValidationError({"url": [f"url {url!r} {rule}"]}, code="invalid")
