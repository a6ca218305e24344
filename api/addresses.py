"""Client addresses: which IP a request came from, and whether an allowlist admits it."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError


def client_ip(request) -> str:
    """The socket's address, or with API_TRUSTED_PROXY_COUNT=n the address the n-th proxy from
    the right saw in X-Forwarded-For. A client-written X-Forwarded-For is never trusted."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.API_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
    hops = [hop for hop in hops if hop]
    # Each trusted proxy appends the address it saw; entries to their left are client-written.
    if len(hops) < proxies:
        return remote
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def throttle_ident(ip: str) -> str:
    """What a client is counted as: its IPv4 address, or its IPv6 /64 (one subscriber's
    network: counting single IPv6 addresses would give each client 2**64 fresh allowances)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6 and address.ipv4_mapped:
        return str(address.ipv4_mapped)
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def networks_parse(cidrs: Iterable[str]) -> list[str]:
    """Normalised CIDR strings (v4 and v6); a bare address means that one address."""
    networks = []
    for cidr in cidrs:
        text = str(cidr).strip()
        if not text:
            continue
        try:
            networks.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ValidationError(
                {"allowed_ips": f"{text!r} is not an IPv4 or IPv6 network such as 203.0.113.0/24"}
            ) from None
    return networks


def ip_allowed(ip: str, cidrs: Iterable[str]) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)
