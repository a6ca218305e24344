"""Stored unlock events: recomputed when an allocation, the total supply or a date changes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from offerings.models import TokenAllocation, UnlockEvent
from offerings.services import offering_create, offering_update
from offerings.unlock_events import unlock_events_refresh
from tests.factories import OfferingFactory, TokenAllocationFactory

pytestmark = pytest.mark.django_db

RECORD = {
    "name": "Vesta",
    "slug": "vesta",
    "kind": "ico",
    "end_date": "2026-01-31",
    "total_supply": "1000000",
    "allocations": [
        {"bucket": "public_sale", "percent": "40", "tge_percent": "100"},
        {
            "bucket": "team",
            "percent": "20",
            "cliff_months": 1,
            "vesting_months": 2,
            "schedule_source": "whitepaper",
            "schedule_source_url": "https://vesta.example/wp.pdf",
        },
    ],
}


def events(offering) -> list[tuple]:
    return list(
        UnlockEvent.objects.filter(offering=offering)
        .order_by("date", "bucket")
        .values_list("date", "bucket", "kind", "tokens")
    )


def test_creating_an_offering_derives_its_unlocks_from_the_sale_end():
    offering = offering_create(record=RECORD)
    assert events(offering) == [
        (dt.date(2026, 1, 31), "public_sale", "tge", Decimal(400_000)),
        (dt.date(2026, 2, 28), "team", "cliff", Decimal(100_000)),
        (dt.date(2026, 3, 31), "team", "linear", Decimal(100_000)),
    ]
    team = UnlockEvent.objects.get(offering=offering, kind="cliff")
    assert team.percent_of_circulating == Decimal(25)  # 10% of supply over the 40% circulating
    assert team.cumulative_percent == Decimal(50)


def test_a_new_total_supply_recomputes_the_tokens():
    offering = offering_create(record=RECORD)
    offering_update(offering=offering, record={"total_supply": "2000000"})
    assert [row[3] for row in events(offering)] == [
        Decimal(800_000),
        Decimal(200_000),
        Decimal(200_000),
    ]


def test_a_token_generation_date_moves_every_unlock_that_starts_on_it():
    offering = offering_create(record=RECORD)
    offering_update(offering=offering, record={"tge_date": "2026-03-15"})
    assert [row[0] for row in events(offering)] == [
        dt.date(2026, 3, 15),
        dt.date(2026, 4, 15),
        dt.date(2026, 5, 15),
    ]


def test_an_allocation_change_replaces_the_events():
    offering = offering_create(record=RECORD)
    allocations = [
        RECORD["allocations"][0],
        {"bucket": "team", "percent": "20", "tge_percent": "100"},
    ]
    offering_update(offering=offering, record={"allocations": allocations})
    assert [row[2] for row in events(offering)] == ["tge", "tge"]
    assert UnlockEvent.objects.filter(offering=offering).count() == 2


def test_a_vesting_start_of_its_own_overrides_the_token_generation_date():
    offering = OfferingFactory(end_date=dt.date(2026, 2, 10))
    TokenAllocationFactory(
        offering=offering, vesting_months=1, cliff_months=0, vesting_start=dt.date(2027, 1, 1)
    )
    unlock_events_refresh(offering_ids=[offering.pk])
    assert [row[0] for row in events(offering)] == [dt.date(2027, 2, 1)]


def test_refreshing_twice_leaves_the_same_events():
    offering = offering_create(record=RECORD)
    before = events(offering)
    unlock_events_refresh(offering_ids=[offering.pk])
    assert events(offering) == before


def test_refresh_reads_and_writes_a_fixed_number_of_queries(django_assert_num_queries):
    offerings = [offering_create(record={**RECORD, "slug": f"vesta-{n}"}) for n in range(3)]
    # The allocations with their offering's supply and dates (joined); then, inside the caller's
    # transaction (a test's, here) and without a savepoint of their own: delete, insert.
    with django_assert_num_queries(3):
        unlock_events_refresh(offering_ids=[o.pk for o in offerings])


def test_a_deleted_offering_gets_no_events():
    offering = offering_create(record=RECORD)
    assert events(offering)
    type(offering).all_objects.filter(pk=offering.pk).update(deleted_at=dt.datetime.now(dt.UTC))
    unlock_events_refresh(offering_ids=[offering.pk])
    assert events(offering) == []


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"cliff_months": 30, "vesting_months": 24}, "cliff_months", "cliff_months (30) is longer"),
        ({"tge_percent": Decimal(120)}, "tge_percent", "tge_percent (120) is over 100%"),
    ],
)
def test_a_schedule_that_cannot_be_is_refused_naming_field_and_value(fields, field, message):
    allocation = TokenAllocation(
        offering=OfferingFactory(), bucket="team", percent=Decimal(10), **fields
    )
    with pytest.raises(ValidationError) as excinfo:
        allocation.full_clean()
    assert any(message in text for text in excinfo.value.message_dict[field])


def test_the_import_refuses_an_unknown_frequency_naming_field_value_and_rule():
    record = {
        **RECORD,
        "allocations": [{"bucket": "team", "percent": "5", "unlock_frequency": "weekly"}],
    }
    with pytest.raises(ValidationError) as excinfo:
        offering_create(record=record)
    text = str(excinfo.value)
    assert "allocations[0].unlock_frequency" in text and "weekly" in text
    assert "daily, monthly, quarterly, once" in text
