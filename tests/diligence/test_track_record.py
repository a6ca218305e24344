"""The live track record: labels, statistics, the stored scoreboard, the page and the command."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse

from diligence.backtest import auc
from diligence.models import Assessment, TrackRecord
from diligence.sale_end import sale_end_assessments_freeze
from diligence.tasks import freeze_sale_end_assessments, track_record_refresh_task
from diligence.track_record import (
    auc_interval,
    calibration_bins,
    outcome_label,
    predicted,
    roc_points,
    scoreboard,
    track_record_refresh,
)
from offerings.models import SaleOutcome
from tests.factories import OfferingFactory

TODAY = dt.date(2026, 12, 4)
ENDED = dt.date(2024, 3, 1)  # its listing window closed long ago


# ---- labels and statistics (pure) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "window_over", "label"),
    [
        ({"listed"}, True, 1),
        ({"listed"}, False, None),  # may still go wrong within the window
        ({"listed", "below_sale_price"}, True, 1),  # a loss, not a failure
        ({"listed", "delisted"}, True, 0),
        ({"listed", "exit_scam"}, False, 0),
        ({"not_listed"}, True, 0),
        ({"failed"}, False, 0),
        ({"abandoned"}, True, 0),
        ({"regulator_action"}, True, 0),
        ({"below_sale_price"}, True, None),
        (set(), True, None),
    ],
)
def test_an_outcome_label_is_good_bad_or_unknown(kinds, window_over, label):
    assert outcome_label(kinds, window_over=window_over) == label


def test_the_prediction_is_the_calibrated_probability_or_else_the_score_over_a_hundred():
    assert predicted(Assessment(score=Decimal("62.5"), probability=Decimal("0.31"))) == 0.31
    assert predicted(Assessment(score=Decimal("62.5"))) == 0.625
    assert predicted(Assessment(score=None)) is None


def test_the_auc_interval_brackets_the_auc_and_is_reproducible():
    scores = [0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] * 3
    labels = [0, 0, 1, 0, 0, 1, 0, 1, 1, 1] * 3
    low, high = auc_interval(scores, labels, samples=300)
    assert low < auc(scores, labels) < high
    assert low > 0.5 and high <= 1.0
    assert auc_interval(scores, labels, samples=300) == [low, high]
    assert auc_interval([0.1, 0.9], [1, 1]) is None


def test_calibration_bins_hold_the_mean_prediction_and_the_observed_share():
    bins = calibration_bins([0.05, 0.15, 0.12, 0.95, 1.0], [0, 1, 0, 1, 1])
    assert [(b["low"], b["count"], b["observed"]) for b in bins] == [
        (0.0, 1, 0.0),
        (0.1, 2, 0.5),
        (0.9, 2, 1.0),  # a prediction of 1 belongs to the last bin
    ]
    assert bins[1]["predicted"] == pytest.approx(0.135)


def test_roc_points_step_through_each_distinct_threshold():
    points = roc_points([0.9, 0.8, 0.8, 0.1], [1, 1, 0, 0])
    assert points == [[0.0, 0.0], [0.0, 0.5], [0.5, 1.0], [1.0, 1.0]]
    assert roc_points([0.5, 0.6], [1, 1]) == []


def test_a_long_roc_curve_is_thinned_but_keeps_both_ends():
    scores = [n / 1000 for n in range(1000)]
    labels = [n % 2 for n in range(1000)]
    points = roc_points(scores, labels, limit=50)
    assert len(points) == 50
    assert points[0] == [0.0, 0.0] and points[-1] == [1.0, 1.0]


# ---- the scoreboard (database) ----------------------------------------------------------------


def outcome(offering, kind: str) -> None:
    derived = kind in SaleOutcome.DERIVED_KINDS
    SaleOutcome.objects.create(
        offering=offering,
        kind=kind,
        derived=derived,
        source_url="" if derived else "https://news.example/x",
        recorded_at=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )


@pytest.fixture
def labelled(db):
    """Six frozen offerings: good ones score higher than bad ones, one is still unknown."""
    good = [OfferingFactory(end_date=ENDED) for _ in range(2)]
    bad = [OfferingFactory(end_date=ENDED, hard_cap=Decimal(0), refund_policy="none")]
    bad.append(OfferingFactory(end_date=ENDED, bonus=True, website="http://scam.example"))
    recent = OfferingFactory(end_date=TODAY - dt.timedelta(days=30))
    OfferingFactory(end_date=ENDED)  # nothing recorded: unknown
    sale_end_assessments_freeze(today=TODAY)
    for offering in good:
        outcome(offering, "listed")
    outcome(bad[0], "not_listed")
    outcome(bad[1], "listed")
    outcome(bad[1], "exit_scam")
    outcome(recent, "listed")  # its window is not over: unknown
    return good, bad


def test_the_scoreboard_counts_the_labelled_and_scores_them(labelled):
    good, bad = labelled
    frozen = dict(Assessment.objects.sale_end().values_list("offering_id", "score"))

    data = scoreboard(today=TODAY)

    assert min(frozen[o.pk] for o in good) > max(frozen[o.pk] for o in bad)

    assert (data["frozen"], data["labelled"], data["good"], data["bad"]) == (6, 4, 2, 2)
    assert data["base_rate"] == 0.5
    assert data["auc"] == 1.0  # the good offerings' frozen scores are the higher ones
    assert data["auc_ci"] == [1.0, 1.0]
    assert data["listing_days"] == settings.TRACK_RECORD_LISTING_DAYS
    assert data["roc"][0] == [0.0, 0.0] and data["roc"][-1] == [1.0, 1.0]
    assert sum(b["count"] for b in data["calibration"]) == 4
    assert "exit scam" in data["definitions"]["bad"]


def test_the_beat_tasks_freeze_derive_and_store_the_scoreboard(labelled):
    OfferingFactory(end_date=ENDED, slug="late-comer")
    assert freeze_sale_end_assessments.delay().get() == 1
    result = track_record_refresh_task.delay().get()
    stored = TrackRecord.objects.get()
    assert result["labelled"] == stored.result["labelled"]
    assert stored.result["frozen"] == 7


def track_record_url() -> str:
    return reverse("diligence:track_record")


@pytest.mark.django_db
def test_the_page_requires_sign_in(client):
    response = client.get(track_record_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_the_page_says_when_nothing_was_computed_yet(client, analyst):
    client.force_login(analyst)
    response = client.get(track_record_url())
    assert response.status_code == 200
    assert b"Not computed yet" in response.content
    assert b'href="/track-record/"' in response.content  # in the navigation


def test_the_page_reads_one_stored_row_and_draws_its_charts(
    client, analyst, labelled, django_assert_num_queries
):
    track_record_refresh(today=TODAY)
    track_record_refresh(today=TODAY)  # the newest of several rows is shown
    client.force_login(analyst)
    # Session, user, their permissions (roles), the newest scoreboard row, the header's unread-
    # notification count.
    with django_assert_num_queries(5):
        response = client.get(track_record_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "2 good, 2 bad" in page
    assert page.count("<svg") == 3  # AUC interval, ROC curve, reliability diagram
    assert 'class="diagonal"' in page and "<polyline" in page
    assert "backtest --live" in page


# ---- backtest --live --------------------------------------------------------------------------


def test_backtest_live_writes_the_scoreboard_as_json(labelled, tmp_path):
    out = io.StringIO()
    path = tmp_path / "live.json"

    call_command("backtest", "--live", "--json", str(path), stdout=out)

    data = json.loads(path.read_text())
    assert {
        "frozen",
        "labelled",
        "good",
        "bad",
        "base_rate",
        "auc",
        "auc_ci",
        "precision_at_k",
        "calibration",
        "roc",
        "definitions",
        "listing_days",
        "methodology_versions",
    } <= set(data)
    assert "labelled: 4 (2 good, 2 bad; base rate 50.0%)" in out.getvalue()


@pytest.mark.django_db
def test_backtest_wants_either_a_label_or_live():
    with pytest.raises(CommandError, match="either --label"):
        call_command("backtest")
    with pytest.raises(CommandError, match="either --label"):
        call_command("backtest", "--live", "--label", "raised_usd")
