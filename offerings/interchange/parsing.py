"""Reading an interchange record into a `Draft` (typed values, no database access), reporting
every bad value as a `FieldError`; nothing is guessed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from offerings.interchange.fields import (
    CHECKABLE,
    NESTED_FIELDS,
    PARTS,
    READ_ONLY_FIELDS,
    SCALARS,
    SOCIAL_NETWORKS,
    VERSION_KEY,
    VERSIONS,
)
from offerings.interchange.readers import BadValue, FieldError, read_integer
from offerings.limits import (
    LIST_ENTRY_MAX_CHARS,
    LIST_MAX_ENTRIES,
    TEXT_MAX_CHARS,
    OutOfBounds,
    nesting_depth_check,
    text_storable,
)
from offerings.models import Offering, SocialLink, Venue


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
    version = read_integer(raw) if not isinstance(raw, bool) else None
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
