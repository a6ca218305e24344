"""The API's offering representation: the interchange record plus what the API adds, built in
bulk for a page of offerings with a fixed number of queries.

`offering_record()` (offerings/interchange.py) needs every relation in its PREFETCH. Django's
prefetch_related would spend one query per relation (ten per page); here the page query itself
(`offerings_with_parts_json`) joins the one-to-one relations and aggregates each one-to-many
relation (with at most one level of select_related) to a JSON array in that relation's own
order, and `parts_from_json` reads those arrays back into plain read-only rows that
`offering_record(parts=...)` takes: one query per page, no model instances per part.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import orjson
from django.core.exceptions import ObjectDoesNotExist
from django.db import connection, connections, models
from django.db.models import Prefetch
from django.db.models.expressions import RawSQL

from diligence.selectors import offerings_with_assessment
from offerings.interchange import PREFETCH, offering_record
from offerings.models import Offering
from records.models import RecordMatch


@dataclass(frozen=True)
class Relation:
    name: str
    model: type[models.Model]
    fk: str
    joined: tuple[models.ForeignKey, ...]  # select_related foreign keys of the related model
    where: str = ""  # SQL on the related rows (alias p): only those are aggregated


def _relation(item: str | Prefetch) -> Relation | None:
    """A one-to-many relation this module can batch, else None (left to prefetch_related)."""
    joined: tuple = ()
    name = item
    if isinstance(item, Prefetch):
        if item.to_attr or "__" in item.prefetch_through:
            return None
        name, queryset = item.prefetch_through, item.queryset
        if queryset is not None:
            if queryset.query.where or queryset.query.order_by:
                return None
            select = queryset.query.select_related
            if isinstance(select, dict):
                if any(nested for nested in select.values()):
                    return None
                joined = tuple(queryset.model._meta.get_field(fk) for fk in select)
            elif select:
                return None
    if not isinstance(name, str) or "__" in name:
        return None
    try:
        field = Offering._meta.get_field(name)
    except models.FieldDoesNotExist:
        return None
    if not (field.one_to_many and not field.concrete):
        return None
    return Relation(name, field.related_model, field.field.name, joined)


def _one_to_one(item: str | Prefetch) -> str | None:
    if not isinstance(item, str) or "__" in item:
        return None
    try:
        field = Offering._meta.get_field(item)
    except models.FieldDoesNotExist:
        return None
    return item if field.one_to_one and not field.concrete else None


SELECT_RELATED = ("venue", *filter(None, map(_one_to_one, PREFETCH)))
BATCHED = [relation for relation in map(_relation, PREFETCH) if relation is not None]
LEFT_OVER = [item for item in PREFETCH if _relation(item) is None and _one_to_one(item) is None]


def offerings_with_parts_json(queryset: models.QuerySet) -> models.QuerySet:
    """The page query: the current assessment and every one-to-one relation joined, and each
    one-to-many relation aggregated to a JSON array by a correlated subquery."""
    vendor = connections[queryset.db].vendor
    parts = {
        _alias(relation): RawSQL(_aggregate(relation, vendor), (), output_field=models.TextField())
        for relation in BATCHED
    }
    return offerings_with_assessment(queryset).select_related(*SELECT_RELATED).annotate(**parts)


def _alias(relation: Relation) -> str:
    return f"_ow_{relation.name}"


def _aggregate(relation: Relation, vendor: str) -> str:
    """SQL for the JSON array (as text) of one relation's rows of the outer offering, in the
    relation's own order, each row an object of its columns (and its joined rows' columns)."""
    quote = connection.ops.quote_name
    postgres = vendor == "postgresql"

    def value(field: models.Field, alias: str) -> str:
        column = f"{alias}.{quote(field.column)}"
        # Decimals travel as text, so they stay exact (a JSON number would parse as a float).
        return f"CAST({column} AS TEXT)" if isinstance(field, models.DecimalField) else column

    model, fk_column = relation.model, f"{relation.fk}_id"
    pairs = [
        f"'{field.attname}', {value(field, 'p')}"
        for field in model._meta.concrete_fields
        if field.name != relation.fk
    ]
    joins = []
    aliases = {}
    for number, fk in enumerate(relation.joined):
        alias = aliases[fk.name] = f"j{number}"
        joins.append(
            f"LEFT JOIN {quote(fk.related_model._meta.db_table)} {alias} "
            f"ON {alias}.{quote(fk.target_field.column)} = p.{quote(fk.column)}"
        )
        pairs += [
            f"'{fk.name}__{field.attname}', {value(field, alias)}"
            for field in fk.related_model._meta.concrete_fields
        ]
    order = []
    for name in model._meta.ordering:
        path = name.removeprefix("-")
        if path in (relation.fk, fk_column):
            continue
        if "__" in path:
            fk_name, field_name = path.split("__", 1)
            target = model._meta.get_field(fk_name).related_model
            column = f"{aliases[fk_name]}.{quote(target._meta.get_field(field_name).column)}"
        else:
            column = f"p.{quote(model._meta.get_field(path).column)}"
        order.append(f"{column} DESC" if name.startswith("-") else column)
    order = order or [f"p.{quote(model._meta.pk.column)}"]
    outer = f"{quote(Offering._meta.db_table)}.{quote(Offering._meta.pk.column)}"
    rows = (
        f"FROM {quote(model._meta.db_table)} p {' '.join(joins)} "
        f"WHERE p.{quote(fk_column)} = {outer}"
        + (f" AND {relation.where}" if relation.where else "")
    )
    if postgres:
        return (
            f"(SELECT COALESCE(json_agg(json_build_object({', '.join(pairs)}) "
            f"ORDER BY {', '.join(order)}), '[]')::text {rows})"
        )
    return (
        f"(SELECT json_group_array(json(r)) FROM (SELECT json_object({', '.join(pairs)}) AS r "
        f"{rows} ORDER BY {', '.join(order)}))"
    )


def _converter(field: models.Field):
    """How to turn a JSON value into the field's Python value (None: it already is one)."""
    if isinstance(field, models.CharField | models.TextField) or field.primary_key:
        return None
    if isinstance(field, models.DateTimeField):
        return _datetime
    if isinstance(field, models.IntegerField) and not isinstance(field, models.BooleanField):
        return None
    return field.to_python


def _datetime(raw: Any) -> dt.datetime:
    value = models.DateTimeField().to_python(raw)
    # SQLite's JSON carries datetimes as naive text in UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


class _RowReader:
    """Reads one relation's JSON rows into read-only rows: the model's attribute names and
    Python values (and a joined row as its foreign key's attribute), not model instances."""

    def __init__(self, relation: Relation) -> None:
        self.fk_attname = f"{relation.fk}_id"
        self.fields = [
            (field.attname, _converter(field))
            for field in relation.model._meta.concrete_fields
            if field.name != relation.fk
        ]
        self.joined = [
            (
                fk.name,
                [
                    (f.attname, f"{fk.name}__{f.attname}", _converter(f))
                    for f in fk.related_model._meta.concrete_fields
                ],
            )
            for fk in relation.joined
        ]

    def __call__(self, row: dict[str, Any], offering_id: int) -> SimpleNamespace:
        values = {self.fk_attname: offering_id}
        for attname, convert in self.fields:
            raw = row.get(attname)
            values[attname] = raw if convert is None or raw is None else convert(raw)
        for name, columns in self.joined:
            joined = {}
            for attname, key, convert in columns:
                raw = row.get(key)
                joined[attname] = raw if convert is None or raw is None else convert(raw)
            values[name] = SimpleNamespace(**joined) if joined.get("id") else None
        return SimpleNamespace(**values)


READERS = {relation.name: _RowReader(relation) for relation in BATCHED}

# The regulators' records confirmed as an offering's (its public records' regulator actions),
# each with its record, in RecordMatch's order: aggregated by the page query like the parts.
CONFIRMED_MATCHES = Relation(
    "record_matches",
    RecordMatch,
    "offering",
    (RecordMatch._meta.get_field("record"),),
    where=f"p.{connection.ops.quote_name('state')} = '{RecordMatch.State.CONFIRMED}'",
)
_MATCHES_READER = _RowReader(CONFIRMED_MATCHES)


def with_confirmed_matches_json(queryset: models.QuerySet) -> models.QuerySet:
    """Annotate each offering's confirmed record matches as a JSON array (one correlated
    subquery), so that its public records need no query of their own for them."""
    sql = _aggregate(CONFIRMED_MATCHES, connections[queryset.db].vendor)
    return queryset.annotate(
        **{_alias(CONFIRMED_MATCHES): RawSQL(sql, (), output_field=models.TextField())}
    )


def confirmed_matches_from_json(offerings: Sequence[Offering]) -> dict[int, list] | None:
    """offering id → its confirmed matches (read-only rows with their `record`), from the
    annotation of with_confirmed_matches_json; None when an offering was loaded without it."""
    alias = _alias(CONFIRMED_MATCHES)
    if not all(hasattr(offering, alias) for offering in offerings):
        return None
    return {
        offering.pk: [
            _MATCHES_READER(row, offering.pk)
            for row in orjson.loads(getattr(offering, alias) or "[]")
        ]
        for offering in offerings
    }


Parts = dict[str, list[Any]]


def parts_from_json(offerings: Sequence[Offering]) -> dict[int, Parts]:
    """Each offering's parts (relation name -> its rows, in the relation's order), read from
    the JSON arrays `offerings_with_parts_json` annotated; offerings loaded otherwise get them
    with one extra query."""
    if not offerings:
        return {}
    aliases = [_alias(relation) for relation in BATCHED]
    arrays = {o.pk: [getattr(o, alias, None) for alias in aliases] for o in offerings}
    missing = [o.pk for o in offerings if aliases and not hasattr(o, aliases[0])]
    if missing:
        loaded = (
            offerings_with_parts_json(Offering.objects.filter(pk__in=missing))
            .order_by()
            .values_list("pk", *aliases)
        )
        arrays.update((row[0], list(row[1:])) for row in loaded)
    parts: dict[int, Parts] = {}
    for offering in offerings:
        read = {}
        for relation, array in zip(BATCHED, arrays[offering.pk], strict=True):
            reader = READERS[relation.name]
            read[relation.name] = [reader(row, offering.pk) for row in orjson.loads(array or "[]")]
        parts[offering.pk] = read
    for item in LEFT_OVER:  # relations the page query cannot aggregate: Django's own prefetch
        name = item.prefetch_to if isinstance(item, Prefetch) else item
        # A record shows whitepaper matches only beside the offering's whitepaper index entry
        # (joined, so known here): without one there is nothing of them to read.
        reading = [o for o in offerings if name not in SIGNATURE_BOUND or _has_signature(o)]
        if reading:
            models.prefetch_related_objects(reading, item)
        read_ids = {o.pk for o in reading}
        for offering in offerings:
            parts[offering.pk][name] = (
                list(getattr(offering, name).all()) if offering.pk in read_ids else []
            )
    return parts


# Relations read only for an offering with a whitepaper signature (records.whitepaper_record).
SIGNATURE_BOUND = frozenset({"whitepaper_matches"})


def _has_signature(offering: Offering) -> bool:
    """Whether the offering has a whitepaper signature; True when it was loaded without its
    join (then its matches are read as for any offering, rather than a query per offering)."""
    if not Offering.whitepaper_signature.is_cached(offering):
        return True
    try:
        return offering.whitepaper_signature is not None
    except ObjectDoesNotExist:
        return False


def offering_representation(offering: Offering, *, parts: Parts, base_url: str) -> dict[str, Any]:
    record = offering_record(offering, parts=parts)
    record["url"] = f"{base_url}{offering.slug}/"
    return record
