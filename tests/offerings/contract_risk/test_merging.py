"""Merging provider answers into facts with provenance, and the changes between two checks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from offerings.contract_risk.merging import changes_between, facts_merge
from offerings.contract_risk.provider import Observation
from tests.fakes.contract_risk import DEAD, account

WHEN = dt.datetime(2026, 12, 11, tzinfo=dt.UTC)
JUMP = Decimal("0.05")


def facts(**values) -> dict:
    return {
        name: {"value": v, "source": "goplus", "seen_at": WHEN.isoformat()}
        for name, v in values.items()
    }


def summaries(old: dict, new: dict) -> list[str]:
    return [
        change["summary"]
        for change in changes_between(facts(**old), facts(**new), holder_jump=JUMP)
    ]


def test_the_chain_outranks_the_explorer_which_outranks_goplus():
    merged = facts_merge(
        [
            Observation("goplus", WHEN, {"owner": account(1), "verified": False, "sell_tax": "0"}),
            Observation("rpc", WHEN, {"owner": account(2)}),
            Observation("explorer", WHEN, {"verified": True}),
        ]
    )
    assert {name: fact["source"] for name, fact in merged.items()} == {
        "owner": "rpc",
        "verified": "explorer",
        "sell_tax": "goplus",
    }
    assert merged["owner"]["value"] == account(2)


def test_each_kind_of_change_is_described():
    assert summaries({"is_mintable": False}, {"is_mintable": True}) == ["mint enabled"]
    assert summaries({"implementation": account(1)}, {"implementation": account(2)}) == [
        "proxy implementation 0x0000…0001 → 0x0000…0002"
    ]
    assert summaries({"owner": account(1)}, {"owner": account(2)}) == [
        "owner 0x0000…0001 → 0x0000…0002"
    ]
    assert summaries({"buy_tax": "0.01"}, {"buy_tax": "0.125"}) == ["buy tax 1% → 12.5%"]


def test_lp_unlocked_and_holder_jumps_are_changes_past_the_threshold_only():
    locked = [{"address": DEAD, "percent": "1", "is_locked": None}]
    loose = [
        {"address": account(7), "percent": "0.6", "is_locked": False},
        {"address": DEAD, "percent": "0.4", "is_locked": None},
    ]
    assert summaries({"lp_holders": locked}, {"lp_holders": loose}) == [
        "LP unlocked: unlocked LP share 0% → 60%"
    ]
    before = [{"address": account(1), "percent": "0.03"}, {"address": account(2), "percent": "0.1"}]
    after = [
        {"address": account(1), "percent": "0.15"},
        {"address": account(2), "percent": "0.12"},
        {"address": account(3), "percent": "0.2"},
    ]
    assert summaries({"top_holders": before}, {"top_holders": after}) == [
        "holder 0x0000…0001 share 3% → 15%; new top holder 0x0000…0003 with 20%"
    ]


def test_a_fact_learned_or_lost_is_no_change():
    assert summaries({}, {"sell_tax": "0.3"}) == []
    assert summaries({"sell_tax": "0.3"}, {}) == []
    assert summaries({"sell_tax": "0.3"}, {"sell_tax": "0.3"}) == []
