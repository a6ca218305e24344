"""The SEC's litigation releases RSS feed: each item is an action (a complaint filed, a
judgment) with its parties named in the title ("SEC v. Acme Labs, Inc., et al.")."""

from __future__ import annotations

import re

import defusedxml.ElementTree as ElementTree

from records.entries import Entry, domains_in, parse_date, split_names

CAPTION = re.compile(r"\bv\.\s+(.+)$", re.I)
CHARGES = re.compile(r"\bcharges?\s+(.+?)(?:\s+(?:with|for|in|over)\s|$)", re.I)
QUOTED_TOKEN = re.compile(r"\b([A-Z][A-Za-z0-9]{1,20})\s+(?:token|coin)s?\b|\(([A-Z]{2,10})\)")


class FeedError(ValueError):
    """The feed is not RSS the importer can read; nothing is imported."""


def parties(title: str) -> list[str]:
    """The parties a litigation release's title names."""
    title = re.sub(r"^LR-\d+[:\s]*", "", title.strip())
    if match := CAPTION.search(title):
        return split_names(match[1])
    if match := CHARGES.search(title):
        return split_names(match[1])
    return []


def tokens_in(text: str) -> list[str]:
    found = [a or b for a, b in QUOTED_TOKEN.findall(text or "")]
    return list(dict.fromkeys(found))


def litigation_entries(xml: bytes) -> list[Entry]:
    """The items of an SEC litigation releases RSS document, in feed order."""
    try:
        root = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise FeedError(f"the SEC litigation feed is not XML: {exc}") from None
    items = root.findall("./channel/item")
    if root.tag != "rss" or root.find("channel") is None:
        raise FeedError(f"the SEC litigation feed's root is <{root.tag}>, not an RSS channel")
    entries = []
    for position, item in enumerate(items, 1):
        title = (item.findtext("title") or "").strip()
        link = (item.findtext("link") or "").strip()
        if not title or not link.startswith(("http://", "https://")):
            raise FeedError(f"item {position}: title ({title!r}) and an http(s) link are needed")
        description = (item.findtext("description") or "").strip()
        entries.append(
            Entry(
                authority="SEC",
                kind="action",
                title=title[:500],
                url=link[:500],
                date=parse_date(item.findtext("pubDate") or ""),
                names=parties(title),
                tokens=tokens_in(f"{title} {description}"),
                domains=domains_in(description),
            )
        )
    return entries
