from __future__ import annotations

from decimal import Decimal

import pytest

from diligence.movements import movement, new_flags, risk_direction


@pytest.mark.parametrize(
    ("old", "new", "direction"),
    [
        ("low", "medium", "rose"),
        ("medium", "critical", "rose"),
        ("high", "low", "fell"),
        ("high", "high", "unchanged"),
        ("", "high", ""),
        ("low", "", ""),
        (None, "low", ""),
    ],
)
def test_the_risk_direction_follows_the_order_of_risk_levels(old, new, direction):
    assert risk_direction(old, new) == direction


def test_new_flags_keep_the_new_assessments_order():
    assert new_flags(["b"], ["c", "b", "a"]) == ("c", "a")


def test_an_offering_assessed_once_has_no_movement():
    moved = movement(score=Decimal("70.0"), risk="low", flags=["a"], previous=None)
    assert not moved.assessed_before
    assert moved.score_direction == ""
    assert moved.new_flags == ()


def test_a_movement_says_how_far_and_which_way_the_score_went():
    previous = {"score": Decimal("80.0"), "risk": "low", "flags": ["a"]}
    moved = movement(score=Decimal("61.5"), risk="high", flags=["b", "a"], previous=previous)
    assert (moved.score_direction, moved.score_change, moved.score_change_size) == (
        "down",
        Decimal("-18.5"),
        Decimal("18.5"),
    )
    assert (moved.previous_score, moved.previous_risk, moved.risk_direction) == (
        Decimal("80.0"),
        "low",
        "rose",
    )
    assert moved.new_flags == ("b",)


def test_a_score_that_appears_or_disappears_has_no_direction():
    unscored = {"score": None, "risk": "", "flags": []}
    moved = movement(score=Decimal("50.0"), risk="high", flags=[], previous=unscored)
    assert moved.assessed_before
    assert moved.score_direction == ""
    assert (
        movement(
            score=Decimal("50.0"),
            risk="high",
            flags=[],
            previous={"score": Decimal("50.0"), "risk": "high", "flags": []},
        ).score_direction
        == "unchanged"
    )
