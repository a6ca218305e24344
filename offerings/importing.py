"""Set-based import of interchange records: validate everything, then write in bulk, atomically.

All-or-nothing by default: if any row is bad, nothing is written and every problem is reported
(row number, field, value, rule). With `partial=True` the good rows are written and the bad ones
reported. A record about an offering that exists (same slug, or same name + symbol) updates it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, count
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from offerings.bulk_writes import BATCH, PART_MODELS, offerings_write
from offerings.interchange import FieldError, parse_record
from offerings.limits import quoted
from offerings.models import (
    Offering,
    SocialLink,
    TeamMember,
    TokenAllocation,
    Venue,
)
from offerings.models.offering import CURRENT_ASSESSMENT_COPIES
from offerings.models.parts import validate_allocation_total
from offerings.status import derive_status
from ops.prepared import PreparedQuery

# Model field -> interchange name, where they differ.
_INTERCHANGE_NAME = {"declared_status": "status"}


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    value: Any
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", quoted(self.value))

    def __str__(self) -> str:
        return f"line {self.row}: {self.field}={self.value!r}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        value = (
            self.value
            if isinstance(self.value, str | int | float | bool | None)
            else str(self.value)
        )
        return {"row": self.row, "field": self.field, "value": value, "message": self.message}


@dataclass
class SourceRow:
    """One record read from a file, with what the reader already noticed about it."""

    number: int
    record: Any
    warnings: list[FieldError] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)
    # The file itself is unreadable from here on (too large, binary, cut short): nothing of it
    # may be written, even with `partial`.
    fatal: bool = False


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowProblem] = field(default_factory=list)
    warnings: list[RowProblem] = field(default_factory=list)
    venues_created: list[str] = field(default_factory=list)
    written: bool = False
    slugs: list[str] = field(default_factory=list)
    unreadable: bool = False

    @property
    def bad_rows(self) -> int:
        return len({problem.row for problem in self.errors})

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "bad_rows": self.bad_rows,
            "written": self.written,
            "venues_created": self.venues_created,
            "errors": [problem.as_dict() for problem in self.errors],
            "warnings": [problem.as_dict() for problem in self.warnings],
        }


@dataclass
class _Pending:
    """An offering to create or update, with the draft merged from every row that names it."""

    rows: list[int]
    draft: Any
    existing_id: int | None = None
    slug: str = ""
    offering: Offering | None = None
    parts: dict[str, list[models.Model]] = field(default_factory=dict)
    socials: list[SocialLink] | None = None
    # Checkable part -> True to record "checked, none", False to drop the record of it.
    checked_none: dict[str, bool] = field(default_factory=dict)
    failed: bool = False
    unchanged: bool = False


# One record's identity, looked up by its slug on every API write: prepared once per process.
_BY_SLUG = PreparedQuery(
    lambda slug: Offering.all_objects.filter(slug=slug).values_list(
        "pk", "name", "symbol", "deleted_at"
    ),
    slug=str,
)


class _Identity:
    """Which offering a record is about: by slug, else by name + symbol (case-insensitive).

    Loads every offering's slug, name and symbol at the first lookup that needs them all (a
    name, a free slug); a lookup by slug alone (`scoped`, for a single record, as the API and
    the forms write) reads just that slug, deleted or not, instead of the whole table."""

    def __init__(self, *, scoped: bool = False) -> None:
        self.by_slug: dict[str, Any] = {}
        self.by_name: dict[tuple[str, str], Any] = {}
        # A deleted offering keeps its slug (and history): a record may not take it over.
        self.deleted: set[str] = set()
        self.complete = False
        self._looked_up: set[str] = set()
        self._new: list[tuple] = []
        if not scoped:
            self._load_all()

    def _load_all(self) -> None:
        new = self._new  # records of this import given a key before the load
        self.by_slug, self.by_name, self._new = {}, {}, []
        self.deleted = set(Offering.all_objects.deleted().values_list("slug", flat=True))
        for pk, slug, name, symbol in Offering.objects.values_list("pk", "slug", "name", "symbol"):
            self.add(pk, slug, name, symbol)
        for entry in new:
            self.add(*entry)
        self.complete = True

    def _slug_loaded(self, slug: str) -> None:
        if self.complete or slug in self._looked_up or slug in self.by_slug:
            return
        self._looked_up.add(slug)
        for pk, name, symbol, deleted_at in _BY_SLUG.fetch(slug=slug):
            if deleted_at is None:
                self.add(pk, slug, name, symbol)
            else:
                self.deleted.add(slug)

    def is_deleted(self, slug: str) -> bool:
        self._slug_loaded(slug)
        return slug in self.deleted

    def slug_owner(self, slug: str, default: Any = None) -> Any:
        self._slug_loaded(slug)
        return self.by_slug.get(slug, default)

    def add(self, key: Any, slug: str, name: str, symbol: str) -> None:
        if isinstance(key, tuple):  # ("new", slug): not in the database yet
            self._new.append((key, slug, name, symbol))
        self.by_slug[slug] = key
        self.by_name.setdefault((name.casefold(), symbol.casefold()), key)

    def find(self, values: dict[str, Any]) -> Any:
        slug = values.get("slug")
        if slug:
            return self.slug_owner(slug)
        name = values.get("name")
        if name:
            if not self.complete:
                self._load_all()
            return self.by_name.get((name.casefold(), (values.get("symbol") or "").casefold()))
        return None

    def free_slug(self, name: str, symbol: str) -> str:
        if not self.complete:
            self._load_all()
        base = slugify(name)[:100] or "offering"
        candidates = [base]
        if symbol:
            candidates.append(f"{base}-{slugify(symbol)}"[:110])
        numbered = (f"{candidates[-1]}-{n}" for n in count(2))  # lazily: most names are free
        return next(
            slug
            for slug in chain(candidates, numbered)
            if slug not in self.by_slug and slug not in self.deleted
        )


def offerings_import(
    *,
    rows: Iterable[SourceRow],
    partial: bool = False,
    dry_run: bool = False,
    lenient: bool = False,
    user: Any = None,
    change_reason: str = "import",
    progress: Callable[[int], None] | None = None,
    target: Offering | None = None,
    source: str | None = None,
    default_version: int = 1,
) -> ImportReport:
    """Import records; see the module docstring.

    `lenient` is for research data: a value that breaks a rule on an optional field becomes
    unknown and is reported as a warning instead of rejecting the row.
    `target` forces every row to update that offering (an edit of a known offering).
    `source` says where a "checked, none" came from (default: the change reason);
    `default_version` is the interchange version of records that do not declare one.
    """
    report = ImportReport()
    with transaction.atomic():
        # One record (the API, the forms) is looked up by its own slug, not the whole table.
        identity = _Identity(scoped=isinstance(rows, Sequence) and len(rows) == 1)
        venues = _Venues()
        pending = _collect(rows, identity, report, target, progress, default_version)
        _load_existing(pending)
        for item in pending:
            _build(item, venues, report, lenient)
        # In file order, whichever step found them.
        report.errors.sort(key=lambda problem: problem.row)
        report.warnings.sort(key=lambda problem: problem.row)
        good = [item for item in pending if not item.failed]
        if report.errors and (not partial or report.unreadable):
            transaction.set_rollback(True)
            report.venues_created = []
            return report
        changed = [item for item in good if not item.unchanged]
        offerings_write(
            changed, user=user, change_reason=change_reason, source=source or change_reason
        )
        report.created = sum(1 for item in good if item.existing_id is None)
        report.unchanged = sum(1 for item in good if item.unchanged)
        report.updated = len(good) - report.created - report.unchanged
        report.slugs = [item.offering.slug for item in good]
        if dry_run:
            transaction.set_rollback(True)
        else:
            report.written = True
    return report


def _collect(rows, identity, report, target, progress, default_version) -> list[_Pending]:
    pending: dict[Any, _Pending] = {}
    for row in rows:
        report.rows += 1
        if progress:
            progress(1)
        for warning in row.warnings:
            report.warnings.append(
                RowProblem(warning.row or row.number, warning.field, warning.value, warning.message)
            )
        if row.fatal:
            report.unreadable = True
            report.errors += [
                RowProblem(row.number, e.field, e.value, e.message) for e in row.errors
            ]
            break
        draft, errors = parse_record(row.record, default_version=default_version)
        errors = row.errors + errors
        if (
            target is None
            and not errors
            and "name" not in draft.values
            and "slug" not in draft.values
        ):
            errors.append(FieldError("name", None, "is required"))
        if errors:
            report.errors += [RowProblem(row.number, e.field, e.value, e.message) for e in errors]
            continue
        slug = draft.values.get("slug")
        if slug and identity.is_deleted(slug):
            report.errors.append(
                RowProblem(
                    row.number,
                    "slug",
                    slug,
                    "belongs to a deleted offering (an admin can restore it)",
                )
            )
            continue
        if target is not None and slug and identity.slug_owner(slug, target.pk) != target.pk:
            report.errors.append(
                RowProblem(row.number, "slug", slug, "is already used by another offering")
            )
            continue
        key = target.pk if target is not None else identity.find(draft.values)
        if key is None:
            name = draft.values.get("name") or ""
            symbol = draft.values.get("symbol") or ""
            slug = draft.values.get("slug") or identity.free_slug(name, symbol)
            key = ("new", slug)
            identity.add(key, slug, name, symbol)
            pending[key] = _Pending(rows=[row.number], draft=draft, slug=slug)
        elif key in pending:
            pending[key].rows.append(row.number)
            pending[key].draft.merge(draft)
        else:
            pending[key] = _Pending(rows=[row.number], draft=draft, existing_id=key)
    return list(pending.values())


def _load_existing(pending: list[_Pending]) -> None:
    ids = [item.existing_id for item in pending if item.existing_id is not None]
    existing: dict[int, Offering] = {}
    loaded = Offering.objects.prefetch_related(*PART_MODELS, "socials", "absences")
    for start in range(0, len(ids), BATCH):
        existing.update(loaded.in_bulk(ids[start : start + BATCH]))
    for item in pending:
        item.offering = existing[item.existing_id] if item.existing_id else Offering(slug=item.slug)


def _blank(model: type[models.Model], name: str, value: Any) -> Any:
    """Unknown (None) in the model's terms: NULL where the column allows it, else its default."""
    if value is not None:
        return value
    model_field = model._meta.get_field(name)
    if model_field.null:
        return None
    if model_field.has_default():
        return model_field.get_default()
    return ""


_UNCOMPARED = frozenset(
    {"id", "created_at", "updated_at", "offering", "position", *CURRENT_ASSESSMENT_COPIES}
)


def _content(instance: models.Model) -> tuple:
    """What an offering or a part says, for telling whether an import changes anything."""
    return tuple(
        getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if f.name not in _UNCOMPARED
    )


def _build(item: _Pending, venues: _Venues, report: ImportReport, lenient: bool) -> None:
    offering = item.offering
    row = item.rows[0]
    before = None
    if item.existing_id is not None:
        before = (
            _content(offering),
            {key: [_content(p) for p in getattr(offering, key).all()] for key in PART_MODELS},
            [_content(link) for link in offering.socials.all()],
            {absence.part for absence in offering.absences.all()},
        )
    values = dict(item.draft.values)
    if values.get("slug") is None:
        values.pop("slug", None)  # unknown: keep the offering's slug, or the one made up for it
    venue_name = values.pop("venue", ...)
    if venue_name is not ...:
        offering.venue = _venue(venue_name, venues, report) if venue_name else None
    for name, value in values.items():
        setattr(offering, name, _blank(Offering, name, value))
    if "declared_status" in values and offering.declared_status == derive_status(
        offering.start_date, offering.end_date, timezone.localdate()
    ):
        offering.declared_status = ""  # the dates say it: keep deriving it as time passes
    problems = _validate(offering, lenient, exclude=["venue"])
    for model_field, value, message, fixed in problems:
        where = _INTERCHANGE_NAME.get(model_field, model_field)
        problem = RowProblem(row, where, value, message)
        (report.warnings if fixed else report.errors).append(problem)
        item.failed |= not fixed
    if warning := offering.venue_unknown_warning:  # every source alike: unknown, not invalid
        report.warnings.append(RowProblem(row, "venue", None, warning))
    for key, model in PART_MODELS.items():
        if key in item.draft.parts:
            item.parts[key] = _build_parts(item, key, model, report, lenient)
    if item.draft.socials is not None:
        item.socials = [SocialLink(network=n, url=u) for n, u in item.draft.socials.items()]
        for link in item.socials:
            _check_part(item, link, f"socials.{link.network}", report, None, lenient)
    item.checked_none = dict(item.draft.checked_none)
    if before is not None and not item.failed:
        parts_before, socials_before, checked_before = before[1], before[2], before[3]
        checked_after = {part for part, none in item.checked_none.items() if none} | (
            checked_before - set(item.checked_none)
        )
        item.unchanged = (
            checked_after == checked_before
            and _content(offering) == before[0]
            and all(
                Counter(map(_content, parts)) == Counter(parts_before[key])
                for key, parts in item.parts.items()
            )
            and (
                item.socials is None
                or Counter(map(_content, item.socials)) == Counter(socials_before)
            )
        )


class _Venues:
    """The venues by case-folded name, read when the first record naming a venue needs them
    (a record without one, as most API writes are, costs no query)."""

    def __init__(self) -> None:
        self._by_name: dict[str, Venue] | None = None

    def get(self, name: str) -> Venue | None:
        if self._by_name is None:
            self._by_name = {venue.name.casefold(): venue for venue in Venue.objects.all()}
        return self._by_name.get(name.casefold())

    def add(self, venue: Venue) -> None:
        self.get(venue.name)
        self._by_name[venue.name.casefold()] = venue


def _venue(name: str, venues: _Venues, report: ImportReport) -> Venue:
    venue = venues.get(name)
    if venue is None:
        # The record names a venue we do not know: record the name; its profile stays unknown.
        venue = Venue.objects.create(name=name, slug=_free_venue_slug(name))
        venues.add(venue)
        report.venues_created.append(name)
    return venue


def _free_venue_slug(name: str) -> str:
    base = slugify(name)[:130] or "venue"
    taken = set(Venue.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return next(s for s in [base, *(f"{base}-{n}" for n in range(2, 1000))] if s not in taken)


def _validate(instance: models.Model, lenient: bool, exclude: list[str]):
    """Yield (field, value, message, fixed) for every rule the instance breaks.

    In lenient mode an optional field's bad value is set to unknown and reported as fixed.
    """
    problems = []
    for _ in range(5):  # each round sets the fields it could not accept to unknown
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
            return problems
        except ValidationError as exc:
            fixable = []
            for model_field, messages in exc.message_dict.items():
                value = getattr(instance, model_field, None)
                fixed = lenient and _can_be_unknown(instance, model_field, value)
                for message in messages:
                    shown = f"{message}; imported as unknown" if fixed else message
                    problems.append((model_field, value, shown, fixed))
                if fixed:
                    fixable.append(model_field)
            if not fixable:
                return problems
            for model_field in fixable:
                setattr(instance, model_field, _blank(type(instance), model_field, None))
    return problems


def _can_be_unknown(instance: models.Model, name: str, value: Any) -> bool:
    """An optional field whose value is not already unknown (blanking it again fixes nothing)."""
    if name == NON_FIELD_ERRORS:
        return False
    model_field = instance._meta.get_field(name)
    return model_field.blank and value != _blank(type(instance), name, None)


def _build_parts(
    item: _Pending, key: str, model, report: ImportReport, lenient: bool
) -> list[models.Model]:
    parts = []
    for index, values in enumerate(item.draft.parts[key] or ()):
        part = model(**{name: _blank(model, name, value) for name, value in values.items()})
        if model is TeamMember:
            part.position = index
        _check_part(item, part, key, report, index, lenient)
        parts.append(part)
    if model is TokenAllocation:
        # A missing or unreadable share is already reported by _check_part; sum the rest.
        percents = [part.percent for part in parts if isinstance(part.percent, Decimal)]
        try:
            validate_allocation_total(percents)
        except ValidationError as exc:
            item.failed = True
            total = sum(percents, Decimal(0))
            report.errors.append(RowProblem(item.rows[0], "allocations", total, exc.messages[0]))
    return parts


def _check_part(
    item: _Pending, part: models.Model, key: str, report, index: int | None, lenient: bool
) -> None:
    where = key if index is None else f"{key}[{index}]"
    for name, value, message, fixed in _validate(part, lenient, exclude=["offering"]):
        problem = RowProblem(item.rows[0], f"{where}.{name}", value, message)
        (report.warnings if fixed else report.errors).append(problem)
        item.failed |= not fixed
