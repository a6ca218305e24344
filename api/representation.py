"""The API's offering representation: the interchange record plus what the API adds, built in
bulk for a page of offerings with a fixed number of queries.

`offering_record()` (offerings/interchange.py) needs every relation in its PREFETCH loaded.
Django would spend one query per relation; here one-to-one relations join the page query
(`offerings_select`) and every one-to-many relation (with at most one level of select_related)
comes from ONE UNION ALL query, each row as JSON, in that relation's own order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from django.db import connection, models
from django.db.models import Prefetch
from django.db.models.base import ModelState

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
    """The page query: the current assessment and every one-to-one relation joined."""
    return queryset.with_assessment().select_related(*SELECT_RELATED)


def _select(relation: Relation, vendor: str) -> str:
    """SELECT relation name, offering id, position in the relation's own order, row as JSON text,
    for the rows of one relation whose offering is in the one parameter (the page's ids)."""
    quote = connection.ops.quote_name
    build = "json_build_object" if vendor == "postgresql" else "json_object"

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
    for number, fk in enumerate(relation.joined):
        alias = f"j{number}"
        joins.append(
            f"LEFT JOIN {quote(fk.related_model._meta.db_table)} {alias} "
            f"ON {alias}.{quote(fk.target_field.column)} = p.{quote(fk.column)}"
        )
        pairs += [
            f"'{fk.name}__{field.attname}', {value(field, alias)}"
            for field in fk.related_model._meta.concrete_fields
        ]
    aliases = {fk.name: f"j{number}" for number, fk in enumerate(relation.joined)}
    order = []
    for name in model._meta.ordering:
        path = name.removeprefix("-")
        if path in (relation.fk, fk_column):
            continue
        if "__" in path:
            fk_name, field_name = path.split("__", 1)
            target = relation.model._meta.get_field(fk_name).related_model
            column = f"{aliases[fk_name]}.{quote(target._meta.get_field(field_name).column)}"
        else:
            column = f"p.{quote(model._meta.get_field(path).column)}"
        order.append(f"{column} DESC" if name.startswith("-") else column)
    order = order or [f"p.{quote(model._meta.pk.column)}"]
    ids = "= ANY(%s)" if vendor == "postgresql" else "IN (SELECT value FROM json_each(%s))"
    return (
        f"SELECT '{relation.name}', p.{quote(fk_column)}, "
        f"ROW_NUMBER() OVER (PARTITION BY p.{quote(fk_column)} ORDER BY {', '.join(order)}), "
        f"CAST({build}({', '.join(pairs)}) AS TEXT) "
        f"FROM {quote(model._meta.db_table)} p {' '.join(joins)} "
        f"WHERE p.{quote(fk_column)} {ids}"
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
_SQL_CACHE: dict[str, str] = {}


def _union_sql(ids: Sequence[int]) -> tuple[str, list[Any]]:
    """One UNION ALL of every batched relation, written once per database vendor; the page's ids
    are its only parameters (an array on PostgreSQL, a JSON list on SQLite)."""
    vendor = connection.vendor
    if vendor not in _SQL_CACHE:
        _SQL_CACHE[vendor] = " UNION ALL ".join(_select(relation, vendor) for relation in BATCHED)
    ids_param = list(ids) if vendor == "postgresql" else orjson.dumps(list(ids)).decode()
    return _SQL_CACHE[vendor], [ids_param] * len(BATCHED)


def parts_prefetch(offerings: Sequence[Offering]) -> None:
    """Load every one-to-many PREFETCH relation of `offerings` with one query.

    Each relation's prefetch cache holds a list (what offering_record iterates), not a queryset.
    """
    if not offerings:
        return
    ids = [offering.pk for offering in offerings]
    loaded: dict[tuple[str, int], list[tuple[int, models.Model]]] = defaultdict(list)
    if BATCHED:
        sql, params = _union_sql(ids)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        for name, offering_id, position, row in rows:
            values = orjson.loads(row)
            loaded[name, offering_id].append((position, BUILDERS[name](values, offering_id)))
    for offering in offerings:
        cache = offering.__dict__.setdefault("_prefetched_objects_cache", {})
        for relation in BATCHED:
            rows = loaded.get((relation.name, offering.pk), [])
            rows.sort(key=_first)
            cache[relation.name] = [instance for _, instance in rows]
    if LEFT_OVER:
        models.prefetch_related_objects(list(offerings), *LEFT_OVER)


def _first(pair: tuple) -> Any:
    return pair[0]


def offering_representation(offering: Offering, *, base_url: str) -> dict[str, Any]:
    record = offering_record(offering)
    record["url"] = f"{base_url}{offering.slug}/"
    return record
