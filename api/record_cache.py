"""The API's offering records, cached under the offering's revision.

Building an offering's interchange record is most of the cost of an API page: one aggregate
per relation in the page query, then every part read back and written out in Python. The
record changes only when `Offering.revision` does (the database raises it on every change to
what the record shows: offerings/revisions.py), so a record built once is kept in the cache
under (offering id, creation time, revision, code stamp) and served until the revision moves.

What the record shows that does not come from the offering's own rows is never cached but laid
over it on every read (`live_fields`): the status (it follows today's date) and the current
assessment (rescoring replaces it without touching the offering). Public records are added by
the caller, as before.

Consistency: a missed record is built by a query that reads the revision together with the
rows, and it is stored under the revision that query read, so a record can only ever sit under
a revision at least as old as its content. The creation time in the key keeps an id that a
rolled-back or flushed database hands out again from meeting the record of its predecessor.
The code stamp (a hash of the modules that build records) keeps a deploy that changes the
record's shape from serving records built by the code before it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from django.core.cache import cache
from django.utils import timezone

from api import representation
from offerings.interchange import offering_record
from offerings.interchange import records as interchange_records
from offerings.interchange.fields import __file__ as _fields_file
from offerings.interchange.records import assessment_fields
from offerings.models import Offering
from ops.prepared import PreparedQuery

# A day: an entry unused that long is not worth its memory; a changed revision never hits it.
TIMEOUT = 24 * 3600


def _code_stamp() -> str:
    digest = hashlib.sha256()
    for path in (interchange_records.__file__, _fields_file, representation.__file__, __file__):
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()[:12]


CODE_STAMP = _code_stamp()
# The offering columns a page query must load for records_for (the key and live_fields).
LIVE_COLUMNS = ("slug", "created_at", "revision", "declared_status", "start_date", "end_date")


def cache_key(offering: Offering) -> str:
    created = int(offering.created_at.timestamp() * 1_000_000)
    return f"ow:record:{CODE_STAMP}:{offering.pk}:{created}:{offering.revision}"


def records_for(offerings: Sequence[Offering]) -> dict[int, dict[str, Any]]:
    """offering id → its interchange record, from the cache where its revision is there, the
    rest built with one query (and stored). Each record carries the live fields of the
    offering given (`live_fields`)."""
    keys = {offering.pk: cache_key(offering) for offering in offerings}
    found = cache.get_many(list(keys.values())) if keys else {}
    records = {pk: orjson.loads(found[key]) for pk, key in keys.items() if key in found}
    missing = [pk for pk in keys if pk not in records]
    if missing:
        records.update(_built(missing))
    by_id = {offering.pk: offering for offering in offerings}
    today = timezone.localdate()
    return {pk: live_fields(records[pk], by_id[pk], today) for pk in keys if pk in records}


# One record (a detail, a write's reply): its statement prepared once per process.
_ONE = PreparedQuery(
    lambda pk: representation.offerings_with_parts_json(Offering.objects.filter(pk=pk)).order_by(),
    pk=int,
)


def _built(ids: list[int]) -> dict[int, dict[str, Any]]:
    if len(ids) == 1:
        loaded = _ONE.fetch(pk=ids[0])
    else:
        loaded = list(
            representation.offerings_with_parts_json(Offering.objects.filter(pk__in=ids)).order_by()
        )
    parts = representation.parts_from_json(loaded)
    built, stored = {}, {}
    for offering in loaded:
        record = offering_record(offering, parts=parts[offering.pk])
        built[offering.pk] = record
        stored[cache_key(offering)] = orjson.dumps(record)
    if stored:
        cache.set_many(stored, timeout=TIMEOUT)
    return built


def live_fields(record: dict[str, Any], offering: Offering, today: dt.date) -> dict[str, Any]:
    """The record with what changes without the offering's revision set from `offering`:
    its status on `today`, and its current assessment when the query annotated it."""
    record["status"] = offering.status_on(today)
    if hasattr(offering, "assessed_at"):  # keys already in the record: its order stays
        record.update(assessment_fields(offering))
    return record
