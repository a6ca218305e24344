"""Stored unlock events: recomputed set-based from the schedules (offerings.unlocks)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection, transaction

from offerings.models import TokenAllocation, UnlockEvent
from offerings.unlocks import Schedule, offering_unlocks

CHUNK = 2000
BATCH = 2000
# Writers whose change cannot move an unlock: market data and documents.
# Public records (records/) change evidence, never a vesting schedule.
IRRELEVANT_SENDERS = (
    "MarketSummary",
    "Document",
    "PublicRecord",
    "RecordMatch",
    "FilingCheck",
    "SanctionedAddress",
)


def unlock_events_refresh(*, offering_ids: Iterable[int]) -> int:
    """Replace the unlock events of the offerings with those their schedules give now (per chunk
    of offerings: 1 read, then in one transaction 1 delete and the inserts); returns how many."""
    ids = sorted(set(offering_ids))
    written = 0
    for start in range(0, len(ids), CHUNK):
        written += _chunk_refresh(ids[start : start + CHUNK])
    return written


def _chunk_refresh(ids: list[int]) -> int:
    # The allocations with what their offering's schedule needs (supply, start), joined: one
    # read. A deleted offering has no events; its old ones go with the delete below.
    schedules: dict[int, list[Schedule]] = defaultdict(list)
    supplies: dict[int, Decimal | None] = {}
    for row in (
        TokenAllocation.objects.filter(offering_id__in=ids, offering__deleted_at__isnull=True)
        .order_by("offering_id", "pk")
        .values_list(
            "offering_id",
            "offering__total_supply",
            "offering__tge_date",
            "offering__end_date",
            "pk",
            "bucket",
            "percent",
            "tge_percent",
            "cliff_months",
            "vesting_months",
            "unlock_frequency",
            "vesting_start",
        )
    ):
        offering_id, supply, tge_date, end_date, *fields, vesting_start = row
        supplies[offering_id] = supply
        schedules[offering_id].append(Schedule(*fields, vesting_start or tge_date or end_date))
    events = [
        (offering_id, *(getattr(unlock, name) for name in _UNLOCK_FIELDS))
        for offering_id, offering_schedules in schedules.items()
        for unlock in offering_unlocks(offering_schedules, supplies[offering_id])
    ]
    # Inside the writer's transaction (an import, a save) the delete and the inserts are part of
    # it; a savepoint of their own would only add two round trips to every write.
    with transaction.atomic(savepoint=False):
        UnlockEvent.objects.filter(offering_id__in=ids).delete()
        _insert(events)
    return len(events)


_UNLOCK_FIELDS = (
    "allocation_id",
    "bucket",
    "date",
    "kind",
    "tokens",
    "percent_of_allocation",
    "percent_of_supply",
    "percent_of_circulating",
    "cumulative_percent",
    "cumulative_tokens",
    "final",
)
_COLUMNS = ("offering_id", *_UNLOCK_FIELDS)


def _insert(events: list[tuple]) -> None:
    if not events:
        return
    if connection.vendor == "postgresql":
        UnlockEvent.objects.bulk_create(
            [UnlockEvent(**dict(zip(_COLUMNS, event, strict=True))) for event in events],
            batch_size=BATCH,
        )
        return
    # SQLite caps a statement at 999 parameters: one executemany instead of a batch per 80 rows.
    table = connection.ops.quote_name(UnlockEvent._meta.db_table)
    placeholders = ", ".join(["%s"] * len(_COLUMNS))
    operations = connection.ops
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
            [
                tuple(
                    operations.adapt_decimalfield_value(v) if isinstance(v, Decimal) else v
                    for v in event
                )
                for event in events
            ],
        )


def on_offerings_changed(sender, offering_ids: Iterable[int], **kwargs) -> None:
    """Recompute the unlocks inside the writing transaction, before its rescore is queued."""
    if getattr(sender, "__name__", "") in IRRELEVANT_SENDERS:
        return
    unlock_events_refresh(offering_ids=offering_ids)
