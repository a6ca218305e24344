"""Reader for the public Token Offerings Research Database (TORD, Momtaz) CSV files.

Turns each TORD row into an interchange record. Values that cannot be read become unknown and are
reported as warnings (row, column, value, reason); a row without a name is an error. Projects
listed by several sources (same name and symbol) are merged: the richest source's values win and
the others fill its gaps.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from offerings.amounts import canonical
from offerings.countries import country_code
from offerings.importing import SourceRow
from offerings.interchange import FieldError
from offerings.limits import NUMBER_MAX_CHARS, OutOfBounds, decimal_bounded, integer_bounded

# Columns with no home in our model; listed in the import summary so nothing goes unmentioned.
UNMAPPED_COLUMNS = (
    "id",
    "sold_tokens",
    "min_investment",
    "bounty",
    "platform",
    "accepting",
    "linkedin_link",
    "rating",
    "Coinmarketcap_identifier",
    "Source",
)
# Richest source first: its values win when a project appears more than once.
SOURCE_RANK = {"ICObench": 0, "ICOmarks": 1, "CryptoRank": 2}
# ICOmarks fills every yes/no column for every row, so its 0 cannot be told from "not stated".
SOURCES_WITH_DEFAULT_ZEROES = frozenset({"ICOmarks"})
NULL_MARKERS = frozenset(
    {"", "na", "n/a", "nan", "null", "none", "-", "?", "unknown", "tba", "tbd"}
)
# The files print floats with 17 significant digits ("0.14399999999999999"); a double holds 15.
FLOAT_DIGITS = 15
PERCENT_PLACES = Decimal("0.0001")

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d+$")
# "USD", "US$" or "$", but not the "USD" in "USDT" or "BUSD" (other currencies).
_USD = re.compile(r"\s*((?<![a-z])usd(?![a-z])|us\$|\$)\s*", re.IGNORECASE)
# "1 TC = 0,2 USD": the price of one token, stated as an exchange rate.
_PER_TOKEN = re.compile(r"^1\s*\$?[A-Za-z0-9._-]+\s*=\s*(?P<amount>.*)$")
_SYMBOL = re.compile(r"^[A-Za-z0-9$._-]{1,20}$")


class Unreadable(ValueError):
    pass


def open_tord(path: Path):
    """TORD v4 is UTF-8 with a BOM, v2 is cp1252: try the first, fall back to the second."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    return text.splitlines(keepends=True)


def read_tord(lines) -> Iterator[SourceRow]:
    reader = csv.DictReader(lines)
    merged: dict[tuple[str, str], tuple[SourceRow, int]] = {}
    for row in reader:
        current = _row(reader.line_num, row)
        rank = SOURCE_RANK.get((row.get("Source") or "").strip(), len(SOURCE_RANK))
        name = current.record.get("name")
        symbol = current.record.get("symbol") or ""
        key = (name.casefold(), symbol.casefold()) if name else ("", str(current.number))
        if key not in merged:
            merged[key] = (current, rank)
            continue
        first, first_rank = merged[key]
        richer, poorer = (current, first) if rank < first_rank else (first, current)
        for field_name, value in poorer.record.items():
            if richer.record.get(field_name) in (None, [], {}):
                richer.record[field_name] = value
        richer.warnings += [
            warning if warning.row else replace(warning, row=poorer.number)
            for warning in poorer.warnings
        ]
        richer.warnings.append(
            FieldError(
                "name",
                name,
                f"same project as line {poorer.number}; the rows were merged "
                f"(values of line {richer.number} win, the other fills its gaps)",
            )
        )
        merged[key] = (richer, min(rank, first_rank))
    for source_row, _ in merged.values():
        yield source_row


def _row(number: int, row: dict[str, str]) -> SourceRow:
    source = (row.get("Source") or "").strip()
    warnings: list[FieldError] = []
    errors: list[FieldError] = []

    def cell(column: str) -> str | None:
        value = (row.get(column) or "").strip()
        return None if value.casefold() in NULL_MARKERS else value

    def read(column: str, parse, *args) -> Any:
        value = cell(column)
        if value is None:
            return None
        try:
            return parse(value, *args)
        except Unreadable as exc:
            warnings.append(FieldError(column, value, f"{exc}; imported as unknown"))
            return None

    name = cell("name")
    if not name:
        errors.append(
            FieldError(
                "name", row.get("name"), "is required: a row without a name cannot be imported"
            )
        )
    flags = {flag: read(flag, _flag, source) for flag in ("is_ico", "is_ieo", "is_sto")}
    if flags["is_sto"]:
        kind = "sto"
    elif flags["is_ieo"]:
        kind = "ieo"
    else:
        kind = "ico"
        if not flags["is_ico"]:
            warnings.append(
                FieldError(
                    "is_ico",
                    row.get("is_ico"),
                    f"source {source or '(none)'} does not state the offering type; "
                    "imported as ico, the generic token sale",
                )
            )
    erc20 = read("ERC20", _flag, source)
    distributed = read("distributed_in_ico", _fraction)
    presale = {
        "kind": "presale",
        "price_usd": read("pre_ico_price_usd", _usd),
        "start_date": read("pre_ico_start", _date),
        "end_date": read("pre_ico_end", _date),
    }
    price = read("price_usd", _usd)
    rounds = []
    if any(presale[key] is not None for key in ("price_usd", "start_date", "end_date")):
        if presale["price_usd"] and price and Decimal(presale["price_usd"]) < Decimal(price):
            presale["discount_percent"] = canonical(
                ((1 - Decimal(presale["price_usd"]) / Decimal(price)) * 100).quantize(
                    Decimal("0.01")
                )
            )
        rounds.append(presale)
    github = cell("github_link")
    record = {
        "name": name,
        "symbol": read("token", _symbol),
        "kind": kind,
        "token_type": "security" if flags["is_sto"] else None,
        "country": read("country", _country),
        "start_date": read("ico_start", _date),
        "end_date": read("ico_end", _date),
        "token_price_usd": price,
        "raised_usd": read("raised_usd", _usd),
        "soft_cap": read("soft_cap_usd", _usd),
        "hard_cap": read("hard_cap_usd", _usd),
        "cap_currency": "USD" if cell("soft_cap_usd") or cell("hard_cap_usd") else None,
        "tokens_for_sale": read("token_for_sale", _amount),
        "whitelist": read("whitelist", _flag, source),
        "bonus": read("bonus", _flag, source),
        "kyc": {True: "required", False: "not_required", None: None}[read("kyc", _flag, source)],
        "product_stage": {True: "prototype", False: "idea", None: None}[read("mvp", _flag, source)],
        "restricted_countries": _restricted(cell("restricted_areas"), warnings),
        "website": cell("website"),
        "whitepaper_url": cell("link_white_paper"),
        "code_url": github,
        "team_size": read("teamsize", _count),
        "token_standard": "ERC-20" if erc20 else None,
        "chain": "ethereum" if erc20 else None,
        "contract_address": cell("contract_address"),
        "allocations": (
            [{"bucket": "public_sale", "percent": distributed}] if distributed is not None else []
        ),
        "rounds": rounds,
        "socials": {"github": github} if github and "github.com" in github else {},
    }
    record = {key: value for key, value in record.items() if value is not None}
    return SourceRow(number, record, warnings=warnings, errors=errors)


def _flag(value: str, source: str) -> bool | None:
    lowered = value.casefold()
    if lowered in {"1", "yes", "true", "available", "y"}:
        return True
    if lowered in {"0", "no", "false", "n"}:
        return None if source in SOURCES_WITH_DEFAULT_ZEROES else False
    raise Unreadable("not a yes/no value")


def _plain_number(text: str) -> Decimal:
    text = text.replace(" ", "").replace("\u00a0", "")
    if len(text) > NUMBER_MAX_CHARS:
        raise Unreadable(f"not a number of at most {NUMBER_MAX_CHARS} characters")
    if _THOUSANDS.match(text):
        text = text.replace(",", "")
    elif _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    if not _NUMBER.match(text):
        raise Unreadable("not a number")
    try:
        number = decimal_bounded(text)
    except OutOfBounds as exc:
        raise Unreadable(f"not a number we accept: {exc}") from None
    if number < 0:
        raise Unreadable("negative")
    return _denoise(number)


def _denoise(number: Decimal) -> Decimal:
    """Drop the binary-float noise beyond 15 significant digits."""
    digits = len(number.as_tuple().digits)
    if digits <= FLOAT_DIGITS or number == 0:
        return number
    exponent = number.adjusted() - FLOAT_DIGITS + 1
    return number.quantize(Decimal(1).scaleb(exponent)).normalize()


def _usd(value: str) -> str:
    per_token = _PER_TOKEN.match(value)
    if per_token and _USD.search(per_token["amount"]):
        value = per_token["amount"]
    text = _USD.sub("", value)
    try:
        return canonical(_plain_number(text))
    except Unreadable:
        if "=" in text or re.search(r"[A-Za-z]{2,}", text):
            raise Unreadable("an amount in another currency, not USD") from None
        raise


def _amount(value: str) -> str:
    return canonical(_plain_number(value))


def _count(value: str) -> int:
    number = _plain_number(value)
    try:
        return integer_bounded(number)
    except OutOfBounds as exc:
        raise Unreadable(f"not a count: {exc}") from None


def _fraction(value: str) -> str:
    number = _plain_number(value)
    if number > 1:
        raise Unreadable("a share of supply must be between 0 and 1")
    # A percentage is kept to 4 decimal places (the model's precision): 0.010416667 -> 1.0417.
    return canonical((number * 100).quantize(PERCENT_PLACES))


def _date(value: str) -> str:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    raise Unreadable("not a date (yyyy-mm-dd or dd.mm.yyyy)")


def _symbol(value: str) -> str:
    # "Tycoon Token / TYC" and "SERENITY/SET": the ticker is the last part.
    symbol = value.rsplit("/", 1)[-1].strip()
    if symbol.casefold().endswith(" token") and " " not in symbol[:-6].strip():
        symbol = symbol[:-6].strip()  # "PASS Token" names the ticker PASS
    if not _SYMBOL.match(symbol):
        raise Unreadable("not a ticker symbol (1-20 letters, digits, '$', '.', '_' or '-')")
    return symbol


def _country(value: str) -> str:
    code = country_code(value)
    if code is None:
        raise Unreadable("not a country we recognise")
    return code


def _restricted(value: str | None, warnings: list[FieldError]) -> list[str] | None:
    if value is None:
        return None
    codes, unknown = [], []
    for piece in (part.strip() for part in re.split(r"[,;]", value)):
        # "Sudan and North Korea" is two countries, "Trinidad and Tobago" is one.
        parts = [piece] if country_code(piece) else re.split(r"\s+and\s+", piece)
        for part in filter(None, (p.strip() for p in parts)):
            code = country_code(part)
            if code is None:
                unknown.append(part)
            elif code not in codes:
                codes.append(code)
    if unknown:
        warnings.append(
            FieldError(
                "restricted_areas",
                "; ".join(unknown),
                "not countries we recognise; left out of restricted_countries",
            )
        )
    return codes
