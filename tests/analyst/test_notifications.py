from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analyst.models import Notification, Watch
from analyst.notifications import notifications_for
from diligence.changes import AssessmentChange
from diligence.notifications import change_messages
from tests.factories import OfferingFactory, UserFactory

pytestmark = pytest.mark.django_db

RISK, FLAG = Notification.Kind.RISK_CHANGED, Notification.Kind.NEW_FLAG


def change(
    offering_id: int = 1,
    *,
    name: str = "Helix Grid",
    old_risk: str = "medium",
    new_risk: str = "medium",
    old_flags: tuple[str, ...] = (),
    new_flags: tuple[str, ...] = (),
) -> AssessmentChange:
    return AssessmentChange(offering_id, name, old_risk, new_risk, old_flags, new_flags)


def watched_by(*users, **fields):
    offering = OfferingFactory(**fields)
    for user in users:
        Watch.objects.create(user=user, offering=offering)
    return offering


# --- what the messages say ------------------------------------------------------------------


def test_a_risk_that_rises_or_falls_is_told_with_both_levels():
    assert change_messages(change(old_risk="medium", new_risk="high")) == [
        (RISK, "Risk of Helix Grid rose from medium to high")
    ]
    assert change_messages(change(old_risk="critical", new_risk="low")) == [
        (RISK, "Risk of Helix Grid fell from critical to low")
    ]


def test_a_newly_flagged_rule_is_told_by_its_title_and_code():
    messages = change_messages(
        change(
            old_flags=("website.insecure",), new_flags=("whitepaper.missing", "website.insecure")
        )
    )
    assert messages == [(FLAG, "New red flag on Helix Grid: No whitepaper (whitepaper.missing)")]


def test_an_analysts_manual_flag_is_told_by_its_code():
    assert change_messages(change(new_flags=("manual.rug-pull-rumour",))) == [
        (FLAG, "New red flag on Helix Grid: manual.rug-pull-rumour")
    ]


def test_a_rising_risk_comes_before_the_flags_that_raised_it():
    messages = change_messages(
        change(old_risk="low", new_risk="critical", new_flags=("whitepaper.missing",))
    )
    assert [kind for kind, _ in messages] == [RISK, FLAG]


def test_nothing_is_told_when_neither_risk_nor_flags_are_new():
    same = change(old_flags=("website.insecure",), new_flags=("website.insecure",))
    assert change_messages(same) == []
    assert change_messages(change(old_flags=("website.insecure",), new_flags=())) == []


def test_a_first_assessment_is_one_notice_with_its_flag_count():
    first = change(old_risk="", new_risk="high", new_flags=("website.insecure", "roadmap.missing"))
    assert change_messages(first) == [(RISK, "Risk of Helix Grid assessed as high (2 red flags)")]


def test_an_offering_that_can_no_longer_be_scored_is_told():
    assert change_messages(change(old_risk="low", new_risk="")) == [
        (RISK, "Risk of Helix Grid can no longer be assessed (was low)")
    ]


# --- who is told ----------------------------------------------------------------------------


def test_every_watcher_and_nobody_else_is_notified():
    first, second, bystander = UserFactory(), UserFactory(), UserFactory()
    offering = watched_by(first, second, name="Helix Grid")
    notifications_for(
        [change(offering.pk, old_risk="medium", new_risk="high", new_flags=("roadmap.missing",))]
    )
    assert Notification.objects.filter(user=first).count() == 2
    assert Notification.objects.filter(user=second).count() == 2
    assert not Notification.objects.filter(user=bystander).exists()
    assert list(first.notifications.values_list("kind", "message")) == [
        (RISK, "Risk of Helix Grid rose from medium to high"),
        (FLAG, "New red flag on Helix Grid: No roadmap (roadmap.missing)"),
    ]
    assert all(n.read_at is None for n in Notification.objects.all())


def test_watchers_of_an_offering_that_did_not_move_are_not_notified():
    watcher = UserFactory()
    still = watched_by(watcher)
    moved = watched_by(watcher, name="Umbra Link")
    notifications_for(
        [change(still.pk), change(moved.pk, name="Umbra Link", old_risk="low", new_risk="high")]
    )
    assert list(watcher.notifications.values_list("offering_id", flat=True)) == [moved.pk]


def test_an_unwatched_offering_notifies_nobody():
    offering = OfferingFactory()
    assert notifications_for([change(offering.pk, old_risk="low", new_risk="high")]) == []
    assert not Notification.objects.exists()


def test_nothing_to_tell_costs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert notifications_for([change(1), change(2)]) == []
    assert len(queries) == 0


@pytest.mark.parametrize("offerings", [1, 12])
def test_notifying_costs_two_queries_for_any_number_of_offerings_and_watchers(offerings):
    watchers = [UserFactory() for _ in range(3)]
    changes = [
        change(watched_by(*watchers).pk, old_risk="low", new_risk="high") for _ in range(offerings)
    ]
    with CaptureQueriesContext(connection) as queries:
        created = notifications_for(changes)
    assert len(created) == offerings * len(watchers)
    # The watchers, then one multi-row insert (inside an atomic block on some backends).
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 2, statements
