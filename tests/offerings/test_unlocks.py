"""The schedule arithmetic (offerings.unlocks): hand-computed schedules, no database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from offerings.unlocks import Schedule, add_months, allocation_unlocks, offering_unlocks

D = Decimal
SUPPLY = D(1_000_000)


def schedule(**fields) -> Schedule:
    values = {
        "allocation_id": 1,
        "bucket": "team",
        "percent": D(20),
        "tge_percent": None,
        "cliff_months": None,
        "vesting_months": None,
        "frequency": "monthly",
        "start": dt.date(2025, 1, 15),
    }
    return Schedule(**(values | fields))


def rows(unlocks) -> list[tuple]:
    return [(u.date.isoformat(), u.kind, u.percent_of_allocation, u.tokens) for u in unlocks]


def test_a_tge_only_schedule_unlocks_everything_on_the_start():
    unlocks = allocation_unlocks(schedule(tge_percent=D(100)), SUPPLY)
    assert rows(unlocks) == [("2025-01-15", "tge", D(100), D(200_000))]
    assert unlocks[0].final


def test_no_vesting_unlocks_everything_at_tge():
    unlocks = allocation_unlocks(schedule(vesting_months=0), SUPPLY)
    assert rows(unlocks) == [("2025-01-15", "tge", D(100), D(200_000))]


def test_a_cliff_then_monthly_linear_vesting():
    # 10% at TGE; 90% over 4 months with a 2-month cliff: 45% on the cliff, then 22.5% a month.
    unlocks = allocation_unlocks(
        schedule(tge_percent=D(10), cliff_months=2, vesting_months=4), SUPPLY
    )
    assert rows(unlocks) == [
        ("2025-01-15", "tge", D(10), D(20_000)),
        ("2025-03-15", "cliff", D(45), D(90_000)),
        ("2025-04-15", "linear", D("22.5"), D(45_000)),
        ("2025-05-15", "linear", D("22.5"), D(45_000)),
    ]
    assert [u.percent_of_supply for u in unlocks] == [D(2), D(9), D("4.5"), D("4.5")]
    assert [u.final for u in unlocks] == [False, False, False, True]


def test_daily_linear_vesting_unlocks_one_share_a_day():
    # One month from 1 February 2025 is 28 days: 1/28 of the allocation each day.
    unlocks = allocation_unlocks(
        schedule(vesting_months=1, frequency="daily", start=dt.date(2025, 2, 1)), D(2_800)
    )
    assert len(unlocks) == 28
    assert unlocks[0].date == dt.date(2025, 2, 2)
    assert unlocks[-1].date == dt.date(2025, 3, 1)
    assert {u.tokens for u in unlocks} == {D(20)}  # 2,800 × 20% / 28
    assert sum(u.percent_of_allocation for u in unlocks) == D(100)


def test_daily_vesting_with_a_cliff_releases_the_accrued_days_on_the_cliff():
    # 2 months from 1 January 2024 = 60 days (leap February); the 1-month cliff accrued 31.
    unlocks = allocation_unlocks(
        schedule(vesting_months=2, cliff_months=1, frequency="daily", start=dt.date(2024, 1, 1)),
        D(6_000),
    )
    assert unlocks[0].date == dt.date(2024, 2, 1) and unlocks[0].kind == "cliff"
    assert unlocks[0].tokens == D(620)  # 1,200 × 31/60
    assert len(unlocks) == 1 + 29
    assert unlocks[-1].date == dt.date(2024, 3, 1)
    assert sum(u.tokens for u in unlocks) == D(1_200)


def test_quarterly_vesting_unlocks_every_three_months_and_a_short_last_quarter():
    unlocks = allocation_unlocks(
        schedule(vesting_months=8, frequency="quarterly", start=dt.date(2025, 1, 1)), D(8_000)
    )
    assert rows(unlocks) == [
        ("2025-04-01", "linear", D("37.5"), D(600)),
        ("2025-07-01", "linear", D("37.5"), D(600)),
        ("2025-09-01", "linear", D(25), D(400)),
    ]


def test_once_unlocks_the_rest_at_the_end_of_vesting():
    unlocks = allocation_unlocks(
        schedule(tge_percent=D(25), vesting_months=12, frequency="once"), SUPPLY
    )
    assert rows(unlocks) == [
        ("2025-01-15", "tge", D(25), D(50_000)),
        ("2026-01-15", "cliff", D(75), D(150_000)),
    ]


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # leap year
        (dt.date(2025, 1, 31), 1, dt.date(2025, 2, 28)),
        (dt.date(2024, 1, 31), 2, dt.date(2024, 3, 31)),  # from the start, not the last date
        (dt.date(2024, 1, 31), 3, dt.date(2024, 4, 30)),
        (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
        (dt.date(2024, 11, 30), 3, dt.date(2025, 2, 28)),
    ],
)
def test_months_are_calendar_months_clamped_to_the_month_end(start, months, expected):
    assert add_months(start, months) == expected


def test_a_start_on_31_january_unlocks_on_each_month_end():
    unlocks = allocation_unlocks(schedule(vesting_months=4, start=dt.date(2024, 1, 31)), SUPPLY)
    assert [u.date for u in unlocks] == [
        dt.date(2024, 2, 29),
        dt.date(2024, 3, 31),
        dt.date(2024, 4, 30),
        dt.date(2024, 5, 31),
    ]


@pytest.mark.parametrize("frequency", ["daily", "monthly", "quarterly", "once"])
def test_the_events_add_up_to_the_allocation_exactly(frequency):
    # Thirds and 1/1461 of an odd supply round at every event; the sums must still be exact.
    unlocks = allocation_unlocks(
        schedule(
            percent=D("33.3333"),
            tge_percent=D("7.77"),
            cliff_months=5,
            vesting_months=48,
            frequency=frequency,
        ),
        D("123456789.123456789"),
    )
    allocation = D("123456789.123456789") * D("33.3333") / 100
    assert sum(u.tokens for u in unlocks) == allocation.quantize(D("1e-18"))
    assert sum(u.percent_of_supply for u in unlocks) == D("33.3333")
    assert sum(u.percent_of_allocation for u in unlocks) == D(100)


def test_an_allocation_with_unknown_share_yields_events_in_percent_only():
    unlocks = allocation_unlocks(schedule(percent=None, vesting_months=2), SUPPLY)
    assert [(u.percent_of_allocation, u.percent_of_supply, u.tokens) for u in unlocks] == [
        (D(50), None, None),
        (D(50), None, None),
    ]


def test_without_total_supply_events_have_shares_but_no_tokens():
    unlocks = allocation_unlocks(schedule(vesting_months=2), None)
    assert [(u.percent_of_supply, u.tokens) for u in unlocks] == [(D(10), None), (D(10), None)]


def test_without_a_start_or_a_schedule_there_are_no_events():
    assert allocation_unlocks(schedule(vesting_months=12, start=None), SUPPLY) == []
    assert allocation_unlocks(schedule(), SUPPLY) == []


def test_share_of_circulating_supply_is_over_what_circulated_the_day_before():
    public = schedule(allocation_id=1, bucket="public_sale", percent=D(20), tge_percent=D(100))
    team = schedule(allocation_id=2, bucket="team", percent=D(10), vesting_months=2)
    unlocks = offering_unlocks([team, public], SUPPLY)
    assert [
        (u.date.isoformat(), u.bucket, u.percent_of_circulating, u.cumulative_percent)
        for u in unlocks
    ] == [
        ("2025-01-15", "public_sale", None, D(20)),  # nothing circulated before
        ("2025-02-15", "team", D(25), D(25)),  # 5% of supply over the 20% circulating
        ("2025-03-15", "team", D(20), D(30)),  # 5 over 25
    ]
    assert unlocks[-1].cumulative_tokens == D(300_000)


def test_events_of_unknown_share_are_left_out_of_the_circulating_supply():
    public = schedule(allocation_id=1, bucket="public_sale", percent=D(20), tge_percent=D(100))
    unknown = schedule(allocation_id=2, bucket="team", percent=None, vesting_months=1)
    unlocks = offering_unlocks([public, unknown], SUPPLY)
    assert unlocks[-1].bucket == "team"
    assert unlocks[-1].percent_of_circulating is None
    assert unlocks[-1].cumulative_percent == D(20)
