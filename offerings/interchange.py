"""Interchange format v2: one JSON object per offering, shared by the importer, exporter and API.

`parse_record()` turns a record into a `Draft` (typed values, no database access) and reports
every bad value as a `FieldError` naming the field, the value and the rule. `offering_record()`
is the inverse for an offering whose venue, parts and absences are loaded.

Version 2 tells "not recorded" from "checked, none exist": a missing key or null is not
recorded; [] (audits, team, backers, allocations, rounds) or {} (socials) is checked, none.
A record without `interchange_version` is v1, where [] and {} mean nothing was given (not
recorded), so v1 files still import as they always did.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch

from offerings.amounts import canonical
from offerings.limits import (
    LIST_ENTRY_MAX_CHARS,
    LIST_MAX_ENTRIES,
    TEXT_MAX_CHARS,
    OutOfBounds,
    decimal_bounded,
    integer_bounded,
    nesting_depth_check,
    quoted,
    text_storable,
)
from offerings.models import (
    Absence,
    Listing,
    Offering,
    SaleOutcome,
    SaleRound,
    SocialLink,
    TokenAllocation,
    Venue,
    WhitepaperMatch,
)
from offerings.status import Status

FORMAT_VERSION = 2
VERSION_KEY = "interchange_version"
VERSIONS = (1, 2)

# Fields that exports add and imports ignore (computed by other parts of the product).
READ_ONLY_FIELDS = frozenset(
    {
        "score",
        "grade",
        "risk",
        "coverage",
        "probability",
        "flags",
        "market",
        "listings",
        "outcomes",
        "contract",
        "whitepaper_copy",
        "assessed_at",
        "url",
        "vesting_returns",
    }
)


@dataclass(frozen=True)
class FieldError:
    field: str
    value: Any
    message: str
    # The source line, when it is not the line of the row carrying the error (merged rows).
    row: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", quoted(self.value))

    def __str__(self) -> str:
        return f"{self.field}={self.value!r}: {self.message}"


class BadValue(ValueError):
    """A value that cannot be read as its field's type; the message names the rule."""


# ---- value readers: raw JSON/CSV value -> Python value (None for unknown) -------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise BadValue("must be a string")
    if isinstance(value, str) and (problem := text_storable(value)):
        raise BadValue(problem)
    return str(value).strip()


def _choice(options: type) -> Callable[[Any], str | None]:
    allowed = [choice.value for choice in options]

    def read(value: Any) -> str | None:
        text = _text(value)
        if text in (None, ""):
            return None
        if text.lower() not in allowed:
            raise BadValue(f"must be one of {', '.join(allowed)}")
        return text.lower()

    return read


def _integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue("must be a whole number")
    try:
        return integer_bounded(value)
    except OutOfBounds as exc:
        raise BadValue(str(exc)) from None


def read_decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadValue("must be a decimal number")
    if isinstance(value, float) and not math.isfinite(value):
        raise BadValue("must be a finite decimal number")
    if isinstance(value, float):
        value = str(value)  # its shortest repr, not its binary expansion
    try:
        number = decimal_bounded(value)
    except OutOfBounds as exc:
        raise BadValue(str(exc)) from None
    if number < 0:
        raise BadValue("must not be negative")
    return number


_TRUE = {"true", "1", "yes"}
_FALSE = {"false", "0", "no"}


def _boolean(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str | int) and str(value).strip().lower() in _TRUE | _FALSE:
        return str(value).strip().lower() in _TRUE
    raise BadValue("must be true or false")


def _date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadValue("must be an ISO date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise BadValue("must be an ISO date (YYYY-MM-DD)") from None


def _string_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise BadValue("must be a list of strings")
    for entry in value:
        if problem := text_storable(entry):
            raise BadValue(f"has an entry that {problem.removeprefix('must ')}")
    return [entry.strip() for entry in value if entry.strip()]


def _country_list(value: Any) -> list[str] | None:
    codes = _string_list(value)
    return None if codes is None else [code.upper() for code in codes]


def _country(value: Any) -> str | None:
    text = _text(value)
    return text.upper() if text else text


# ---- the field table ----------------------------------------------------------------------

# Interchange name -> (model field, reader). Order is the export order.
SCALARS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "name": ("name", _text),
    "symbol": ("symbol", _text),
    "slug": ("slug", _text),
    "kind": ("kind", _choice(Offering.Kind)),
    "status": ("declared_status", _choice(Status)),
    "token_type": ("token_type", _choice(Offering.TokenType)),
    "venue": ("venue", _text),
    "chain": ("chain", _text),
    "token_standard": ("token_standard", _text),
    "contract_address": ("contract_address", _text),
    "coingecko_id": ("coingecko_id", _text),
    "website": ("website", _text),
    "whitepaper_url": ("whitepaper_url", _text),
    "code_url": ("code_url", _text),
    "code_public": ("code_public", _boolean),
    "whitepaper_pages": ("whitepaper_pages", _integer),
    "team_size": ("team_size", _integer),
    "country": ("country", _country),
    "legal_entity": ("legal_entity", _text),
    "postal_address": ("postal_address", _text),
    "regulatory_filing": ("regulatory_filing", _text),
    "description": ("description", _text),
    "claims": ("claims", _text),
    "start_date": ("start_date", _date),
    "end_date": ("end_date", _date),
    "tge_date": ("tge_date", _date),
    "cap_currency": ("cap_currency", _text),
    "soft_cap": ("soft_cap", read_decimal),
    "hard_cap": ("hard_cap", read_decimal),
    "raised_usd": ("raised_usd", read_decimal),
    "token_price_usd": ("token_price_usd", read_decimal),
    "total_supply": ("total_supply", read_decimal),
    "tokens_for_sale": ("tokens_for_sale", read_decimal),
    "supply_fixed": ("supply_fixed", _boolean),
    "whitelist": ("whitelist", _boolean),
    "bonus": ("bonus", _boolean),
    "roadmap": ("roadmap", _boolean),
    "use_of_proceeds": ("use_of_proceeds", _boolean),
    "refund_policy": ("refund_policy", _choice(Offering.RefundPolicy)),
    "kyc": ("kyc", _choice(Offering.Kyc)),
    "product_stage": ("product_stage", _choice(Offering.ProductStage)),
    "restricted_countries": ("restricted_countries", _country_list),
    "backers": ("backers", _string_list),
}

# Nested lists: interchange name -> {key: (model field, reader)}; order is the export order.
PARTS: dict[str, dict[str, tuple[str, Callable[[Any], Any]]]] = {
    "audits": {
        "auditor": ("auditor", _text),
        "url": ("url", _text),
        "date": ("date", _date),
    },
    "team": {
        "name": ("name", _text),
        "role": ("role", _text),
        "anonymous": ("anonymous", _boolean),
        "experienced": ("experienced", _boolean),
        "advisor": ("advisor", _boolean),
        "profile_url": ("profile_url", _text),
    },
    "allocations": {
        "bucket": ("bucket", _choice(TokenAllocation.Bucket)),
        "percent": ("percent", read_decimal),
        "vesting_months": ("vesting_months", _integer),
        "cliff_months": ("cliff_months", _integer),
        "tge_percent": ("tge_percent", read_decimal),
        "unlock_frequency": ("unlock_frequency", _choice(TokenAllocation.Frequency)),
        "vesting_start": ("vesting_start", _date),
        "schedule_source": ("schedule_source", _choice(TokenAllocation.ScheduleSource)),
        "schedule_source_url": ("schedule_source_url", _text),
    },
    "rounds": {
        "kind": ("kind", _choice(SaleRound.Kind)),
        "price_usd": ("price_usd", read_decimal),
        "discount_percent": ("discount_percent", read_decimal),
        "start_date": ("start_date", _date),
        "end_date": ("end_date", _date),
        "raised_usd": ("raised_usd", read_decimal),
    },
}
SOCIAL_NETWORKS = [network.value for network in SocialLink.Network]
FIELD_ORDER = [*SCALARS, *PARTS, "socials"]
# Fields that can be "checked, none exist" ([] or {} in v2), each recorded as an Absence.
CHECKABLE = tuple(Absence.Part.values)
# Read-only fields an export adds from the current assessment (OfferingQuerySet.with_assessment).
ASSESSMENT_FIELDS = ("score", "grade", "risk", "coverage", "probability", "flags", "assessed_at")
# Read-only fields an export adds from the market-data refresh (offerings.MarketSummary, Listing).
MARKET_FIELDS = ("market", "listings")
# Read-only: what happened after the sale (offerings.SaleOutcome), derived or analyst-entered.
OUTCOME_FIELDS = ("outcomes",)
# Read-only: the contract-risk check's facts, with provider and date (offerings.ContractRisk).
CONTRACT_FIELDS = ("contract",)
# Read-only: the copied-whitepaper check (offerings.whitepapers), with its provenance.
WHITEPAPER_FIELDS = ("whitepaper_copy",)
EXPORT_ORDER = [
    VERSION_KEY,
    *FIELD_ORDER,
    *ASSESSMENT_FIELDS,
    *MARKET_FIELDS,
    *OUTCOME_FIELDS,
    *CONTRACT_FIELDS,
    *WHITEPAPER_FIELDS,
]
LIST_FIELDS = frozenset({"restricted_countries", "backers"})
NESTED_FIELDS = frozenset(
    {*PARTS, "socials", *MARKET_FIELDS, *OUTCOME_FIELDS, *CONTRACT_FIELDS, *WHITEPAPER_FIELDS}
)
ROI_PLACES = Decimal("0.0001")


@dataclass
class Draft:
    """The typed content of one record. Keys absent from the record are absent here too.

    `parts[key]` is None when the record says the part is not recorded; `checked_none[key]`
    says, for each checkable field the record names, whether it records "checked, none".
    """

    values: dict[str, Any] = field(default_factory=dict)
    parts: dict[str, list[dict[str, Any]] | None] = field(default_factory=dict)
    socials: dict[str, str] | None = None
    checked_none: dict[str, bool] = field(default_factory=dict)

    def merge(self, later: Draft) -> None:
        """Apply a later record about the same offering on top of this one."""
        self.values.update(later.values)
        self.parts.update(later.parts)
        if later.socials is not None:
            self.socials = later.socials
        self.checked_none.update(later.checked_none)


def record_version(record: dict[str, Any], default: int = 1) -> int:
    """The interchange version a record declares (`default` when it declares none)."""
    raw = record.get(VERSION_KEY)
    if raw is None or raw == "":
        return default
    version = _integer(raw) if not isinstance(raw, bool) else None
    if version not in VERSIONS:
        raise BadValue(f"must be one of {', '.join(map(str, VERSIONS))}")
    return version


def parse_record(record: Any, *, default_version: int = 1) -> tuple[Draft, list[FieldError]]:
    """Read one interchange record; every unreadable value is reported, none is guessed.

    A record without `interchange_version` is read as `default_version` (files: 1; the API,
    whose representation is v2: 2)."""
    draft = Draft()
    errors: list[FieldError] = []
    if not isinstance(record, dict):
        return draft, [FieldError("(record)", record, "must be a JSON object")]
    try:  # read-only fields (derived data an export carries) are ignored, so not bounded here
        nesting_depth_check({k: v for k, v in record.items() if k not in READ_ONLY_FIELDS})
    except OutOfBounds as exc:
        return draft, [FieldError("(record)", "(nested data)", str(exc))]
    try:
        version = record_version(record, default_version)
    except BadValue as exc:
        return draft, [FieldError(VERSION_KEY, record[VERSION_KEY], str(exc))]
    for key in record:
        if (
            key not in SCALARS
            and key not in NESTED_FIELDS
            and key not in READ_ONLY_FIELDS
            and key != VERSION_KEY
        ):
            errors.append(
                FieldError(key, record[key], f"is not a field of interchange format v{version}")
            )
    for key, (model_field, read) in SCALARS.items():
        if key not in record:
            continue
        try:
            value = read(record[key])
            _size_check(Offering, model_field, value)
        except BadValue as exc:
            errors.append(FieldError(key, record[key], str(exc)))
            continue
        draft.values[model_field] = value
    for key, spec in PARTS.items():
        if key in record:
            draft.parts[key] = _parse_parts(key, record[key], spec, errors)
    if "socials" in record:
        draft.socials = _parse_socials(record["socials"], errors)
    _read_checked_none(record, version, draft)
    return draft, errors


def _too_long(limit: int, length: int) -> str:
    return f"must be at most {limit:,} characters (got {length:,})"


def _size_check(model: type, model_field: str, value: Any) -> None:
    """Refuse a text longer than its column (or than TEXT_MAX_CHARS) and an overlong list,
    before the value is validated, stored or scored."""
    if isinstance(value, str):
        if model is Offering and model_field == "venue":
            limit = Venue._meta.get_field("name").max_length
        else:
            limit = TEXT_MAX_CHARS.get(model_field) or model._meta.get_field(model_field).max_length
        if limit is not None and len(value) > limit:
            raise BadValue(_too_long(limit, len(value)))
    elif isinstance(value, list) and model_field in LIST_MAX_ENTRIES:
        if len(value) > LIST_MAX_ENTRIES[model_field]:
            raise BadValue(
                f"must have at most {LIST_MAX_ENTRIES[model_field]} entries (got {len(value):,})"
            )
        if any(len(entry) > LIST_ENTRY_MAX_CHARS for entry in value):
            raise BadValue(f"must have entries of at most {LIST_ENTRY_MAX_CHARS} characters")


def _read_checked_none(record: dict[str, Any], version: int, draft: Draft) -> None:
    """Which checkable fields the record says are "checked, none" ([] or {} in v2), and which
    it says are recorded or not recorded (their Absence goes)."""
    for key in CHECKABLE:
        if key not in record:
            continue
        value = record[key]
        none = version >= 2 and (value == [] if key != "socials" else value == {})
        draft.checked_none[key] = none
        if key == "backers" and "backers" in draft.values and not none:
            # v1's [] (and v2's null) are "not recorded"; an empty list is kept for "none".
            draft.values["backers"] = draft.values["backers"] or None


def _parse_parts(key, value, spec, errors: list[FieldError]) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        errors.append(FieldError(key, value, "must be a list of objects"))
        return []
    if len(value) > LIST_MAX_ENTRIES[key]:
        errors.append(
            FieldError(key, f"{len(value)} entries", f"must have at most {LIST_MAX_ENTRIES[key]}")
        )
        return []
    model = Offering._meta.get_field(key).related_model
    parts = []
    for index, entry in enumerate(value):
        where = f"{key}[{index}]"
        if not isinstance(entry, dict):
            errors.append(FieldError(where, entry, "must be an object"))
            continue
        unknown = set(entry) - set(spec)
        for name in sorted(unknown):
            errors.append(
                FieldError(f"{where}.{name}", entry[name], f"is not a field of {key} entries")
            )
        part: dict[str, Any] = {}
        for name, (model_field, read) in spec.items():
            try:
                part[model_field] = read(entry.get(name))
                _size_check(model, model_field, part[model_field])
                if part[model_field] in (None, "") and (rule := _required_rule(model, model_field)):
                    raise BadValue(rule)
            except BadValue as exc:
                errors.append(FieldError(f"{where}.{name}", entry.get(name), str(exc)))
        parts.append(part)
    return parts


def _required_rule(model: type, model_field: str) -> str | None:
    """The rule a part's missing value breaks, said as such ("is required (one of …)"),
    or None when the value may be unknown (the model would otherwise say "cannot be blank")."""
    field = model._meta.get_field(model_field)
    if field.blank or field.has_default():
        return None
    if field.choices:
        return f"is required (one of {', '.join(str(value) for value, _ in field.choices)})"
    return "is required"


def _parse_socials(value: Any, errors: list[FieldError]) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.append(FieldError("socials", value, "must be an object of URLs by network"))
        return {}
    socials = {}
    url_limit = SocialLink._meta.get_field("url").max_length
    for network, url in value.items():
        if network not in SOCIAL_NETWORKS:
            errors.append(
                FieldError(
                    f"socials.{network}",
                    url,
                    f"network must be one of {', '.join(SOCIAL_NETWORKS)}",
                )
            )
        elif url not in (None, ""):
            if not isinstance(url, str):
                errors.append(FieldError(f"socials.{network}", url, "must be a URL string"))
            elif problem := text_storable(url):
                errors.append(FieldError(f"socials.{network}", url, problem))
            elif len(url) > url_limit:
                errors.append(FieldError(f"socials.{network}", url, _too_long(url_limit, len(url))))
            else:
                socials[network] = url.strip()
    return socials


# ---- export -----------------------------------------------------------------------------


def _out(value: Any) -> Any:
    if value is None or value == "":
        return None
    kind = type(value)
    if kind is Decimal:
        return canonical(value)
    if kind is dt.date or kind is dt.datetime:
        return value.isoformat()
    return value


# What offering_record reads, worked out once: (key, model attribute) per plain scalar, and
# (part, [(name, model attribute)]) per part. Exports and the API list run it for every row.
_PLAIN_SCALARS = [
    (key, model_field)
    for key, (model_field, _) in SCALARS.items()
    if key not in ("status", "venue") and key not in LIST_FIELDS
]
_PART_FIELDS = [
    (key, [(name, model_field) for name, (model_field, _) in spec.items()])
    for key, spec in PARTS.items()
]


def offering_record(offering: Offering) -> dict[str, Any]:
    """The interchange record (v2) of an offering whose venue, parts and absences are loaded."""
    values = {key: _out(getattr(offering, model_field)) for key, model_field in _PLAIN_SCALARS}
    values["status"] = offering.status
    values["venue"] = offering.venue.name if offering.venue_id else None
    values["restricted_countries"] = list(offering.restricted_countries)
    values["backers"] = None if offering.backers is None else list(offering.backers)
    record: dict[str, Any] = {VERSION_KEY: FORMAT_VERSION}
    record.update((key, values[key]) for key in SCALARS)  # in the format's order
    checked_none = {absence.part for absence in offering.absences.all()}
    for key, fields in _PART_FIELDS:
        record[key] = [
            {name: _out(getattr(part, model_field)) for name, model_field in fields}
            for part in getattr(offering, key).all()
        ] or ([] if key in checked_none else None)
    socials = {link.network: link.url for link in offering.socials.all()}
    record["socials"] = {
        network: socials[network] for network in SOCIAL_NETWORKS if network in socials
    } or ({} if "socials" in checked_none else None)
    if hasattr(offering, "assessed_at"):  # annotated by with_assessment()
        for key in ASSESSMENT_FIELDS:
            value = getattr(offering, key)
            record[key] = value.isoformat() if key == "assessed_at" and value else _out(value)
    record["market"] = market_record(offering)
    record["listings"] = [
        {
            "venue": listing.venue.name,
            "pair": listing.pair,
            "status": listing.status,
            "first_seen": listing.first_seen.isoformat(),
            "last_seen": listing.last_seen.isoformat(),
        }
        for listing in offering.listings.all()
    ]
    record["outcomes"] = [outcome_record(outcome) for outcome in offering.outcomes.all()]
    record["contract"] = contract_record(offering)
    record["whitepaper_copy"] = whitepaper_copy_record(offering)
    return record


def outcome_record(outcome: SaleOutcome) -> dict[str, Any]:
    """One entry of `outcomes`: derived ones carry their evidence, an analyst's its source and
    note (who recorded it stays in the product)."""
    return {
        "kind": outcome.kind,
        "derived": outcome.derived,
        "occurred_on": _out(outcome.occurred_on),
        "evidence": _out(outcome.evidence),
        "source_url": _out(outcome.source_url),
        "note": _out(outcome.note),
        "recorded_at": outcome.recorded_at.isoformat(),
    }


def market_record(offering: Offering) -> dict[str, Any] | None:
    """The `market` object of an offering whose market summary is loaded; None without data.
    `roi` is price / sale price − 1 (0.5 is +50%)."""
    try:
        summary = offering.market_summary
    except ObjectDoesNotExist:
        return None
    roi = summary.roi(offering.token_price_usd)
    return {
        "price_usd": _out(summary.price_usd),
        "market_cap_usd": _out(summary.market_cap_usd),
        "volume_24h_usd": _out(summary.volume_24h_usd),
        "roi": None if roi is None else canonical(roi.quantize(ROI_PLACES)),
        "ath_usd": _out(summary.ath_usd),
        "updated_at": summary.updated_at.isoformat(),
    }


def contract_record(offering: Offering) -> dict[str, Any] | None:
    """The `contract` object of an offering whose contract was checked; None before that.
    Each fact carries the provider that stated it and when (`seen_at`); `unavailable` names
    the providers that could not answer at the last check, and why."""
    try:
        risk = offering.contract_risk
    except ObjectDoesNotExist:
        return None
    return {
        "chain_id": risk.chain_id,
        "address": risk.address,
        "checked_at": risk.checked_at.isoformat(),
        "next_check_at": risk.next_check_at.isoformat(),
        "facts": risk.facts,
        "unavailable": risk.errors,
    }


def whitepaper_copy_record(offering: Offering) -> dict[str, Any] | None:
    """The copied-whitepaper check: None before the offering's whitepaper text was indexed;
    else which document was compared when, and the earlier whitepapers of other offerings it
    shares passages with (`matches` empty: checked, none)."""
    try:
        signature = offering.whitepaper_signature
    except ObjectDoesNotExist:
        return None
    return {
        "document_id": signature.document_id,
        "compared_at": signature.compared_at.isoformat() if signature.compared_at else None,
        "matches": [
            {
                "source": match.source_offering.slug,
                "source_name": match.source_offering.name,
                "share": match.share,
                "passages": match.passages,
            }
            for match in offering.whitepaper_matches.all()
        ],
    }


PREFETCH = (
    "absences",
    "team",
    "allocations",
    "rounds",
    "audits",
    "socials",
    "market_summary",
    "contract_risk",
    Prefetch("listings", queryset=Listing.objects.select_related("venue")),
    "outcomes",
    # The index entry is joined (one-to-one); the matches are one query of their own (their
    # source offering's columns would overflow PostgreSQL's 100-argument json_build_object).
    "whitepaper_signature",
    Prefetch(
        "whitepaper_matches",
        queryset=WhitepaperMatch.objects.select_related("source_offering")
        .only("offering_id", "share", "passages", "source_offering__slug", "source_offering__name")
        .order_by("-share"),
    ),
)
