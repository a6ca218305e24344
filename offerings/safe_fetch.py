"""Fetching outside URLs without letting them reach our own network (SSRF).

A URL is checked before each request: https:// only, on port 443 or 8443, and every address its
host resolves to must be public. The request then goes to the very address that was checked (the
URL's host is replaced by it, with the Host header and TLS server name kept), so DNS rebinding
between check and connect is useless. Redirects are followed by hand, each target checked the
same way. Bodies are read in chunks under a byte limit and a wall-clock cap, so neither a huge
file nor a slow drip can hold a worker. Webhook deliveries (api.webhooks) and the whitepaper
intake share these checks; each passes its own local-testing switches.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx
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
HTTPS_PORTS = (443, 8443)
REDIRECTS = (301, 302, 303, 307, 308)


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
    """Why nothing may be fetched from `address` ("a loopback address"), or None if public."""
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


def url_check(
    url: str,
    *,
    allow_http: bool,
    allow_private: bool,
    purpose: str,
    resolver: Resolver | None = None,
    field: str = "url",
) -> Destination:
    """Check `url` and pick the address to connect to; a ValidationError on `field` naming the
    url and the rule if not. `purpose` names the URLs in messages ("webhook endpoints")."""
    try:
        parsed = httpx.URL(url)
        host = parsed.host
    except (httpx.InvalidURL, TypeError, ValueError):  # IDNA errors are ValueErrors too
        raise _invalid(field, url, "is not a valid URL") from None
    if parsed.scheme not in ("https", "http") or not host:
        raise _invalid(field, url, "must be an absolute https:// URL")
    if parsed.scheme == "http" and not allow_http:
        raise _invalid(field, url, f"uses http://; {purpose} must use https://")
    if parsed.userinfo:
        raise _invalid(field, url, "must not carry a user name or password")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    # Only the HTTPS ports: a URL must not turn our requests into a scanner of other services
    # (the local-testing switches, private URLs or plain http, allow any port).
    if port not in HTTPS_PORTS and not (allow_private or allow_http):
        raise _invalid(field, url, f"uses port {port}; {purpose} must use port 443 or 8443")
    addresses = _addresses(field, url, host, port, resolver or resolve)
    if not allow_private:
        for address in addresses:
            problem = address_problem(address)
            if problem:
                where = "names" if str(address) == host else f"resolves to {address},"
                raise _invalid(field, url, f"{where} {problem}; {purpose} must be public")
    chosen = str(addresses[0])
    return Destination(
        url=url,
        address=chosen,
        request_url=str(parsed.copy_with(host=chosen)),
        host_header=parsed.netloc.decode("ascii"),
        sni_hostname=None if _is_address(host) else host,
    )


def _addresses(field: str, url: str, host: str, port: int, resolver: Resolver) -> list[Address]:
    if _is_address(host):
        return [ipaddress.ip_address(host)]
    try:
        resolved = resolver(host, port)
    except (OSError, UnicodeError):
        resolved = []
    if not resolved:
        raise _invalid(field, url, f"has a host ({host}) that does not resolve")
    return [ipaddress.ip_address(address.split("%", 1)[0]) for address in resolved]


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _invalid(field: str, url: str, rule: str) -> ValidationError:
    return ValidationError({field: [f"{field} {url!r} {rule}"]}, code="invalid")


class FetchFailed(Exception):
    """A fetch was refused or gave up; the message names the URL and the rule, safe to show."""


@dataclass(frozen=True)
class Fetched:
    url: str  # the final URL, after redirects
    status: int  # 200, or 304 when a conditional request found the resource unchanged
    content_type: str  # the media type, lower case, without parameters
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class FetchLimits:
    allow_http: bool
    allow_private: bool
    max_bytes: int
    timeout_s: float  # connecting, and each read
    total_s: float  # the whole fetch, redirects and body included
    max_redirects: int = 5
    purpose: str = "fetched URLs"


def fetch_bounded(
    url: str,
    *,
    limits: FetchLimits,
    headers: Mapping[str, str] | None = None,
    resolver: Resolver | None = None,
    transport: httpx.BaseTransport | None = None,
) -> Fetched:
    """GET `url` within `limits`, checking it and every redirect target; FetchFailed if not.

    The body is read in chunks: more than `max_bytes` (declared or sent) or a read past the
    `total_s` deadline stops it (the last read can overrun the deadline by `timeout_s` at most).
    """
    deadline = time.monotonic() + limits.total_s
    timeout = httpx.Timeout(limits.timeout_s)
    with httpx.Client(
        timeout=timeout, follow_redirects=False, trust_env=False, transport=transport
    ) as client:
        for _hop in range(limits.max_redirects + 1):
            destination = _checked(url, limits, resolver)
            response = _send(client, destination, headers or {}, deadline, limits)
            try:
                if response.status_code in REDIRECTS and response.headers.get("location"):
                    url = str(httpx.URL(url).join(response.headers["location"]))
                    continue
                if response.status_code == 304:
                    return Fetched(url, 304, "", dict(response.headers), b"")
                if response.status_code != 200:
                    raise FetchFailed(f"{url} answered HTTP {response.status_code}")
                body = _read(response, url, deadline, limits)
                media = response.headers.get("content-type", "").split(";")[0].strip().lower()
                return Fetched(url, 200, media, dict(response.headers), body)
            finally:
                response.close()
    raise FetchFailed(f"{url}: more than {limits.max_redirects} redirects")


def _checked(url: str, limits: FetchLimits, resolver: Resolver | None) -> Destination:
    try:
        return url_check(
            url,
            allow_http=limits.allow_http,
            allow_private=limits.allow_private,
            purpose=limits.purpose,
            resolver=resolver,
        )
    except ValidationError as exc:
        raise FetchFailed("; ".join(exc.messages)) from None


def _send(
    client: httpx.Client,
    destination: Destination,
    headers: Mapping[str, str],
    deadline: float,
    limits: FetchLimits,
) -> httpx.Response:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise FetchFailed(f"{destination.url}: gave up after {limits.total_s:g} s")
    extensions: dict = {"timeout": httpx.Timeout(min(limits.timeout_s, remaining)).as_dict()}
    if destination.sni_hostname:
        extensions["sni_hostname"] = destination.sni_hostname
    request = client.build_request(
        "GET",
        destination.request_url,
        headers={**headers, "host": destination.host_header},
        extensions=extensions,
    )
    try:
        return client.send(request, stream=True)
    except httpx.TimeoutException:
        raise FetchFailed(f"{destination.url}: timed out") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{destination.url}: {type(exc).__name__}") from None


def _read(response: httpx.Response, url: str, deadline: float, limits: FetchLimits) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchFailed(f"{url} is {int(declared):,} bytes, over the {limits.max_bytes:,} limit")
    body = bytearray()
    try:
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > limits.max_bytes:
                raise FetchFailed(f"{url} sent more than the {limits.max_bytes:,}-byte limit")
            if time.monotonic() > deadline:
                raise FetchFailed(f"{url}: gave up after {limits.total_s:g} s (too slow)")
    except httpx.TimeoutException:
        raise FetchFailed(f"{url}: timed out while reading") from None
    except httpx.HTTPError as exc:
        raise FetchFailed(f"{url}: {type(exc).__name__} while reading") from None
    return bytes(body)
