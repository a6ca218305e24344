"""What changed between two assessments (diligence.changes)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from diligence.changes import AssessmentChange, finding_changes, movement, new_flags
from diligence.models import Assessment
from diligence.rules import RULES
from diligence.vocabulary import risk_direction
from tests.factories import OfferingFactory


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


def change(old_risk: str, new_risk: str, old_flags=(), new_flags=()) -> AssessmentChange:
    return AssessmentChange(1, "Helix Grid", old_risk, new_risk, old_flags, new_flags)


@pytest.mark.parametrize(
    ("old", "new", "changed", "first", "gone"),
    [
        ("low", "high", True, False, False),
        ("high", "high", False, False, False),
        ("", "high", False, True, False),
        ("high", "", True, False, True),
        ("", "", False, False, False),
    ],
)
def test_an_assessment_change_says_how_its_risk_changed(old, new, changed, first, gone):
    moved = change(old, new)
    assert (moved.risk_changed, moved.first_assessed, moved.no_longer_assessed) == (
        changed,
        first,
        gone,
    )
    assert moved.risk_direction == risk_direction(old, new)


def test_an_assessment_change_lists_only_the_flags_added_heaviest_first():
    moved = change("low", "low", ("team.anonymous",), ("sale.no_cap", "team.anonymous", "a.b"))
    assert moved.flags_added == ("sale.no_cap", "a.b")
    assert change("low", "low", ("a.b",), ()).flags_added == ()


def assessment(offering, findings: dict[str, tuple[str, str]], **kwargs):
    made = Assessment.objects.create(
        offering=offering,
        created_at=kwargs.pop("created_at"),
        methodology_version="2.0",
        score=Decimal("50.0"),
        grade="D",
        risk="high",
        coverage=Decimal("1"),
        digest=str(kwargs),
        is_current=kwargs.pop("is_current", False),
        findings_json=json.dumps(
            [
                [code, outcome, outcome, evidence, 3, "medium", None]
                for code, (outcome, evidence) in findings.items()
            ]
        ),
    )
    return made


@pytest.mark.django_db
def test_finding_changes_list_new_gone_and_changed_findings_in_checklist_order(
    django_assert_num_queries,
):
    first, second, third, fourth = list(RULES)[:4]
    offering = OfferingFactory()
    earlier = timezone.now() - dt.timedelta(days=1)
    previous = assessment(
        offering,
        {
            first: ("pass", "same"),
            second: ("pass", "audited"),
            fourth: ("unknown", "no data"),
            "manual.rumour": ("flag", "an analyst's"),
        },
        created_at=earlier,
    )
    current = assessment(
        offering,
        {first: ("pass", "same"), second: ("flag", "no audit"), third: ("flag", "new rule")},
        created_at=timezone.now(),
        is_current=True,
    )
    # No query: the findings are part of the assessments (two queries when they were rows).
    with django_assert_num_queries(0):
        changes = finding_changes(previous, current)
    assert [(c.rule_code, c.before, c.after) for c in changes] == [
        (second, "pass", "flag"),
        (third, None, "flag"),
        (fourth, "unknown", None),
        ("manual.rumour", "flag", None),
    ]
    assert (changes[0].evidence_before, changes[0].evidence_after) == ("audited", "no audit")
    assert (changes[1].evidence_before, changes[2].evidence_after) == ("", "")
