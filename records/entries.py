"""A public record as the parsers read it, before it is stored, and the helpers they share."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

DOMAIN = re.compile(r"\b((?:[a-z0-9-]+\.)+(?:[a-z]{2,24}))\b", re.I)
# Words that look like domains but are not the site of a party (file names, abbreviations).
NOT_DOMAINS = {"sec.gov", "cftc.gov", "www.sec.gov", "www.cftc.gov", "e.g", "i.e", "u.s"}


@dataclass
class Entry:
    authority: str
    kind: str  # "action" or "warning"
    title: str
    url: str
    date: dt.date | None = None
    names: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    domains: list[str] = field(default_factory=list)


def domain_of(text: str) -> str:
    """The host of a URL or bare domain, lower-cased, without "www."."""
    text = text.strip().lower()
    if not text:
        return ""
    host = urlsplit(text if "//" in text else f"//{text}").hostname or ""
    return host.removeprefix("www.")


def domains_in(text: str) -> list[str]:
    found = []
    for match in DOMAIN.finditer(text or ""):
        domain = domain_of(match[1])
        if domain and domain not in NOT_DOMAINS and not domain[-1].isdigit():
            found.append(domain)
    return list(dict.fromkeys(found))


def parse_date(value: str) -> dt.date | None:
    """ISO dates, US dates (12/31/2024), RSS dates (Tue, 03 Dec 2024 10:00:00 -0500) and
    "December 3, 2024"; None when blank or unreadable."""
    value = (value or "").strip()
    if not value:
        return None
    for reader in (
        lambda v: dt.date.fromisoformat(v[:10]),
        lambda v: dt.datetime.strptime(v, "%m/%d/%Y").date(),
        lambda v: dt.datetime.strptime(v, "%B %d, %Y").date(),
        lambda v: dt.datetime.strptime(v, "%b %d, %Y").date(),
        lambda v: parsedate_to_datetime(v).date(),
    ):
        try:
            return reader(value)
        except (ValueError, TypeError, IndexError):
            continue
    return None


def split_names(text: str) -> list[str]:
    """Parties of a caption: "A, B, and C, et al." → [A, B, C]; corporate suffixes stay with
    their names ("Acme Labs, Inc." is one party)."""
    text = re.sub(r",?\s+et al\.?", "", text or "", flags=re.I)
    text = re.sub(r",\s*(Inc|LLC|Ltd|Corp|L\.?P|Co|S\.A|GmbH|AG|PLC)\b\.?", r" \1", text)
    parts = re.split(r",\s*(?:and\s+)?|\s+and\s+|;\s*", text)
    return [part.strip(" .") for part in parts if len(part.strip(" .")) > 2]
