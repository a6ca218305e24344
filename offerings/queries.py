"""Reading rows of many offerings at once, a chunk of ids at a time."""

from __future__ import annotations

from django.db.models import Q


def among_ids(ids: list[int], field: str = "offering_id") -> Q:
    """`field` is one of `ids` (ascending): as a range when they are dense, since sending and
    parsing thousands of parameters costs more than the few rows of other offerings a range
    may also read (callers look rows up by id, so those are ignored)."""
    if len(ids) > 1 and ids[-1] - ids[0] < 2 * len(ids):
        return Q(**{f"{field}__gte": ids[0], f"{field}__lte": ids[-1]})
    return Q(**{f"{field}__in": ids})
