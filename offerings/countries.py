"""Countries by ISO 3166-1 alpha-2 code, and lookup of the names found in research data."""

from __future__ import annotations

import re
from functools import cache

import pycountry
from django.core.exceptions import ValidationError

# Names and abbreviations that research data sets use and ISO does not.
_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "great britain": "GB",
    "scotland": "GB",
    "usa": "US",
    "us": "US",
    "united states of america": "US",
    "america": "US",
    "uae": "AE",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "north korea": "KP",
    "iran": "IR",
    "syria": "SY",
    "sirya": "SY",
    "vietnam": "VN",
    "taiwan": "TW",
    "hong kong": "HK",
    "macau": "MO",
    "czech republic": "CZ",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "laos": "LA",
    "palestine": "PS",
    "british virgin islands": "VG",
    "bvi": "VG",
    "cayman": "KY",
    "cayman islands": "KY",
    "curacao": "CW",
    "ivory coast": "CI",
    "cote d'ivoire": "CI",
    "turkey": "TR",
    "kosovo": "XK",
    "crimea": "UA",
    "the netherlands": "NL",
    "holland": "NL",
    "saint vincent and the grenadines": "VC",
    "st. vincent and the grenadines": "VC",
    "marshall islands": "MH",
    "isle of man": "IM",
}

# Offshore financial centres (IMF/FSF lists): registration there is a low-severity red flag.
OFFSHORE_CENTRES = frozenset(
    "AD AG AI AW BB BM BS BZ CK CW CY DM GG GI GD IM JE KN KY LB LC LI LU MC MH MO MS MT MU NR "
    "NU PA SC SG SM TC VC VG VU WS".split()
)


@cache
def _codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries) | {"XK"}


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attr in ("name", "official_name", "common_name"):
            value = getattr(country, attr, None)
            if value:
                names[value.casefold()] = country.alpha_2
        names[country.alpha_3.casefold()] = country.alpha_2
    names.update(_ALIASES)
    return names


def is_country_code(value: str) -> bool:
    return value in _codes()


def validate_country_code(value: str) -> None:
    if value and not is_country_code(value):
        raise ValidationError(
            "%(value)r is not an ISO 3166-1 alpha-2 country code (e.g. CH, SG, US)",
            code="invalid_country",
            params={"value": value},
        )


def validate_country_codes(value: list[str]) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("must be a list of country codes", code="invalid_country")
    unknown = [code for code in value if not is_country_code(code)]
    if unknown:
        raise ValidationError(
            "%(value)s: not ISO 3166-1 alpha-2 country codes",
            code="invalid_country",
            params={"value": ", ".join(repr(code) for code in unknown)},
        )


def country_code(name: str) -> str | None:
    """The alpha-2 code for a country code or name as people write it, or None if unknown."""
    cleaned = re.sub(r"\s+", " ", name.strip().strip(".")).casefold()
    if not cleaned:
        return None
    if len(cleaned) == 2 and cleaned.upper() in _codes():
        return cleaned.upper()
    return _names().get(cleaned)
