"""iCalendar (RFC 5545) text for unlock events: all-day events, escaped, folded, CRLF lines."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from offerings.amounts import canonical
from offerings.models import UnlockEvent

PRODID = "-//Offerwatch//Unlock calendar//EN"
LINE_OCTETS = 75


def calendar_ics(
    events: Iterable[UnlockEvent], *, name: str, stamp: dt.datetime, site_url: str, host: str
) -> str:
    """A VCALENDAR of all-day VEVENTs, one per unlock (each event's offering loaded)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(name)}",
    ]
    stamp_text = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    for event in events:
        offering = event.offering
        lines += [
            "BEGIN:VEVENT",
            f"UID:unlock-{offering.slug}-{event.bucket}-{event.date:%Y%m%d}-{event.allocation_id}@{host}",
            f"DTSTAMP:{stamp_text}",
            f"DTSTART;VALUE=DATE:{event.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{event.date + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_text(_summary(event))}",
            f"DESCRIPTION:{_text(_description(event))}",
            f"URL:{site_url}/offerings/{offering.slug}/#unlocks",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _summary(event: UnlockEvent) -> str:
    symbol = f" ({event.offering.symbol})" if event.offering.symbol else ""
    share = (
        f"{canonical(event.percent_of_circulating)}% of circulating"
        if event.percent_of_circulating is not None
        else f"{canonical(event.percent_of_allocation)}% of the allocation"
    )
    return f"{event.offering.name}{symbol}: {event.get_bucket_display()} unlock, {share}"


def _description(event: UnlockEvent) -> str:
    parts = [f"{event.get_kind_display()} unlock of the {event.get_bucket_display()} allocation"]
    if event.tokens is not None:
        parts.append(f"{canonical(event.tokens)} tokens")
    if event.percent_of_supply is not None:
        parts.append(f"{canonical(event.percent_of_supply)}% of total supply")
    else:
        parts.append("the allocation's share of supply is unknown")
    return "; ".join(parts) + "."


def _text(value: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next, after a space (RFC 5545 3.1),
    never splitting a UTF-8 character."""
    encoded = line.encode()
    if len(encoded) <= LINE_OCTETS:
        return line
    pieces, current, limit = [], b"", LINE_OCTETS
    for char in line:
        octets = char.encode()
        if len(current) + len(octets) > limit:
            pieces.append(current.decode())
            current, limit = b"", LINE_OCTETS - 1  # the leading space counts
        current += octets
    pieces.append(current.decode())
    return "\r\n ".join(pieces)
