"""Lists staff type one item per line (backers, restricted countries, social channels), read
into the values the record keeps, with errors that name the line, the value and the rule."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from offerings.countries import country_code
from offerings.limits import LIST_ENTRY_MAX_CHARS, LIST_MAX_ENTRIES, quoted, text_storable
from offerings.models import SocialLink

# Host (without "www.") -> network, for links typed without naming their network.
SOCIAL_HOSTS = {
    "twitter.com": SocialLink.Network.TWITTER,
    "x.com": SocialLink.Network.TWITTER,
    "t.me": SocialLink.Network.TELEGRAM,
    "telegram.me": SocialLink.Network.TELEGRAM,
    "discord.gg": SocialLink.Network.DISCORD,
    "discord.com": SocialLink.Network.DISCORD,
    "reddit.com": SocialLink.Network.REDDIT,
    "github.com": SocialLink.Network.GITHUB,
    "medium.com": SocialLink.Network.MEDIUM,
}
_NETWORK_NAMES = {
    **{network.value: network.value for network in SocialLink.Network},
    "x": SocialLink.Network.TWITTER.value,
}


def lines_of(text: str | None) -> list[str]:
    """The non-empty lines of `text`, stripped (a blank line separates nothing)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def names_from_lines(field: str, text: str | None) -> list[str] | None:
    """Names one per line (backers); None when nothing is typed (not recorded)."""
    names = lines_of(text)
    if not names:
        return None
    _check_entries(field, names)
    return list(dict.fromkeys(names))  # a name typed twice is one backer


def countries_from_lines(field: str, text: str | None) -> list[str]:
    """ISO codes from codes or names, one per line or separated by commas/semicolons:
    'Switzerland', 'CH' and 'Swiss Confederation' all give 'CH'."""
    entries = [part.strip() for line in lines_of(text) for part in re.split(r"[,;]", line)]
    entries = [entry for entry in entries if entry]
    _check_entries(field, entries)
    codes, unknown = [], []
    for entry in entries:
        code = country_code(entry)
        if code is None:
            unknown.append(entry)
        elif code not in codes:
            codes.append(code)
    if unknown:
        raise ValidationError(
            f"{field} ({', '.join(repr(quoted(name)) for name in unknown)}): not countries we "
            "recognise; give an ISO 3166-1 code (CH) or an English name (Switzerland)",
            code="invalid_country",
        )
    return codes


def socials_from_lines(field: str, text: str | None) -> dict[str, str] | None:
    """Social channels one per line, as a URL ('https://t.me/kestrel', its network read from
    the host) or 'network URL' ('telegram https://…'); None when nothing is typed."""
    entries = lines_of(text)
    if not entries:
        return None
    _check_entries(field, entries)
    links: dict[str, str] = {}
    for number, entry in enumerate(entries, start=1):
        network, url = _social(field, number, entry)
        if network in links:
            raise ValidationError(
                f"{field} line {number} ({quoted(entry)!r}): a second {network} link; "
                "an offering keeps one link per network",
                code="duplicate_network",
            )
        links[network] = url
    return links


def socials_as_lines(links: dict[str, str]) -> str:
    return "\n".join(links[network] for network in sorted(links))


def _social(field: str, number: int, entry: str) -> tuple[str, str]:
    first, _, rest = entry.partition(" ")
    named = _NETWORK_NAMES.get(first.rstrip(":").casefold())
    url = rest.strip() if named and rest.strip() else entry
    if "://" not in url:
        url = f"https://{url}"
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            f"{field} line {number} ({quoted(entry)!r}): not a web address (https://…)",
            code="invalid_url",
        ) from None
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    network = named or SOCIAL_HOSTS.get(host)
    if network is None:
        known = ", ".join(SocialLink.Network.values)
        raise ValidationError(
            f"{field} line {number} ({quoted(entry)!r}): cannot tell the network from {host!r}; "
            f"start the line with one of {known}",
            code="unknown_network",
        )
    return str(network), url


def _check_entries(field: str, entries: list[str]) -> None:
    if len(entries) > LIST_MAX_ENTRIES.get(field, 50):
        raise ValidationError(
            f"{field} has {len(entries):,} lines; at most {LIST_MAX_ENTRIES.get(field, 50)}",
            code="too_many",
        )
    for number, entry in enumerate(entries, start=1):
        if len(entry) > LIST_ENTRY_MAX_CHARS:
            raise ValidationError(
                f"{field} line {number} ({quoted(entry)!r}) is over "
                f"{LIST_ENTRY_MAX_CHARS} characters",
                code="too_long",
            )
        if problem := text_storable(entry):
            raise ValidationError(f"{field} line {number}: {problem}", code="invalid_text")
