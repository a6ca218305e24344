"""The API's offering representation: the interchange record plus what the API adds, built in
bulk for a page of offerings with a fixed number of queries.

`offering_record()` (offerings/interchange.py) needs every relation in its PREFETCH loaded.
Django would spend one query per relation; here the page query itself (`offerings_select`)
joins the one-to-one relations and aggregates each one-to-many relation (with at most one
level of select_related) to a JSON array in that relation's own order: one query per page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection, connections, models
from django.db.models import Prefetch
from django.db.models.base import ModelState
from django.db.models.expressions import RawSQL

from offerings.interchange import PREFETCH, offering_record
from offerings.models import Offering


@dataclass(frozen=True)
class Relation:
    name: str
    model: type[models.Model]
    fk: str
    joined: tuple[models.ForeignKey, ...]  # select_related foreign keys of the related model


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


def offerings_select(queryset: models.QuerySet) -> models.QuerySet:
    """The page query: the current assessment and every one-to-one relation joined, and each
    one-to-many relation aggregated to a JSON array by a correlated subquery."""
    vendor = connections[queryset.db].vendor
    parts = {
        _alias(relation): RawSQL(_aggregate(relation, vendor), (), output_field=models.TextField())
        for relation in BATCHED
    }
    return queryset.with_assessment().select_related(*SELECT_RELATED).annotate(**parts)


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


def _bare(model: type[models.Model], values: dict[str, Any]) -> models.Model:
    """An instance as loaded from the database, without __init__'s per-field descriptors and
    signals (ten times faster; these rows are only read)."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    state = instance._state = ModelState()
    state.adding, state.db = False, "default"
    return instance


class _Builder:
    """Makes model instances of one relation from its JSON rows."""

    def __init__(self, relation: Relation) -> None:
        self.relation = relation
        self.fk_attname = f"{relation.fk}_id"
        self.fields = [
            (field.attname, _converter(field))
            for field in relation.model._meta.concrete_fields
            if field.name != relation.fk
        ]
        self.joined = [
            (
                fk,
                [
                    (f.attname, f"{fk.name}__{f.attname}", _converter(f))
                    for f in fk.related_model._meta.concrete_fields
                ],
            )
            for fk in relation.joined
        ]

    def __call__(self, row: dict[str, Any], offering_id: int) -> models.Model:
        values = {self.fk_attname: offering_id}
        for attname, convert in self.fields:
            raw = row.get(attname)
            values[attname] = raw if convert is None or raw is None else convert(raw)
        instance = _bare(self.relation.model, values)
        for fk, columns in self.joined:
            related_values = {}
            for attname, key, convert in columns:
                raw = row.get(key)
                related_values[attname] = raw if convert is None or raw is None else convert(raw)
            related = _bare(fk.related_model, related_values) if related_values.get("id") else None
            fk.set_cached_value(instance, related)
        return instance


BUILDERS = {relation.name: _Builder(relation) for relation in BATCHED}


def parts_prefetch(offerings: Sequence[Offering]) -> None:
    """Fill each offering's prefetch cache from the JSON arrays `offerings_select` annotated
    (offerings loaded otherwise get them with one extra query). Each relation's cache holds a
    list of instances, which is what offering_record iterates."""
    if not offerings:
        return
    aliases = [_alias(relation) for relation in BATCHED]
    missing = [o for o in offerings if aliases and aliases[0] not in o.__dict__]
    if missing:
        loaded = {
            row[0]: row[1:]
            for row in offerings_select(Offering.objects.filter(pk__in=[o.pk for o in missing]))
            .order_by()
            .values_list("pk", *aliases)
        }
        for offering in missing:
            offering.__dict__.update(zip(aliases, loaded[offering.pk], strict=True))
    for offering in offerings:
        cache = offering.__dict__.setdefault("_prefetched_objects_cache", {})
        for relation, alias in zip(BATCHED, aliases, strict=True):
            build = BUILDERS[relation.name]
            rows = orjson.loads(offering.__dict__.pop(alias) or "[]")
            cache[relation.name] = [build(row, offering.pk) for row in rows]
    if LEFT_OVER:
        models.prefetch_related_objects(list(offerings), *LEFT_OVER)


def offering_representation(offering: Offering, *, base_url: str) -> dict[str, Any]:
    record = offering_record(offering)
    record["url"] = f"{base_url}{offering.slug}/"
    return record
