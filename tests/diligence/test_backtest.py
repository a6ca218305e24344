"""The backtest: AUC and precision at k by hand, labels from a field or a CSV, and the command."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import FieldDoesNotExist
from django.core.management import CommandError, call_command

from diligence.backtest import (
    BacktestResult,
    auc,
    backtest,
    labels_from_field,
    labels_from_file,
    precision_at_k,
    report_lines,
)
from diligence.models import Assessment
from diligence.rescoring import assessments_refresh
from offerings.importing import offerings_import
from offerings.models import Offering
from offerings.tord import open_tord, read_tord
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def write_csv(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes(text.encode("utf-8-sig" if bom else "utf-8"))
    return path


def run_backtest(*args: str) -> str:
    out = io.StringIO()
    call_command("backtest", *args, stdout=out)
    return out.getvalue()


# ---- auc() and precision_at_k() -----------------------------------------------------------


def test_a_perfect_ranking_has_an_auc_of_one():
    assert auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0


def test_a_reversed_ranking_has_an_auc_of_zero():
    assert auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0


def test_a_score_that_ties_everything_has_an_auc_of_one_half():
    assert auc([50.0] * 5, [1, 0, 1, 0, 0]) == 0.5


def test_auc_counts_each_tied_pair_as_half_a_win():
    scores = [2, 1, 4, 3, 1, 3, 2]
    labels = [1, 0, 1, 0, 0, 1, 0]
    # Positives score 2, 4, 3; negatives 1, 3, 1, 2: 3 × 4 = 12 pairs.
    # 4 beats all four negatives:          4
    # 3 beats 1, 1 and 2, ties the 3:      3 + ½
    # 2 beats 1 and 1, ties the 2:         2 + ½
    assert auc(scores, labels) == pytest.approx((4 + 3.5 + 2.5) / 12)


def test_auc_is_undefined_with_only_one_class():
    assert auc([1.0, 2.0, 3.0], [1, 1, 1]) is None
    assert auc([1.0, 2.0, 3.0], [0, 0, 0]) is None
    assert auc([], []) is None


def test_precision_at_k_is_the_share_of_good_outcomes_among_the_k_best_scored():
    scores = [0.5, 0.9, 0.6, 0.8, 0.7]
    labels = [0, 1, 1, 0, 1]  # best first: 0.9 good, 0.8 bad, 0.7 good, 0.6 good, 0.5 bad
    assert precision_at_k(scores, labels, 1) == 1.0
    assert precision_at_k(scores, labels, 2) == 0.5
    assert precision_at_k(scores, labels, 3) == pytest.approx(2 / 3)


def test_precision_at_a_k_larger_than_the_data_is_taken_over_all_of_it():
    assert precision_at_k([0.5, 0.9, 0.6], [0, 1, 1], 10) == pytest.approx(2 / 3)
    assert precision_at_k([], [], 10) == 0.0


def test_offerings_tied_with_the_kth_count_at_their_rate_not_by_their_order():
    # Four tied at the top, one of them good: the best 2 hold half a good one on average.
    assert precision_at_k([9, 9, 9, 9, 1], [1, 0, 0, 0, 1], 2) == pytest.approx(0.25)
    assert precision_at_k([9, 9, 9, 9, 1], [0, 0, 0, 1, 1], 2) == pytest.approx(0.25)
    assert precision_at_k([10, 9, 9, 1], [1, 0, 1, 0], 2) == pytest.approx(0.75)


# ---- labels --------------------------------------------------------------------------------


def test_a_field_labels_offerings_one_where_it_is_filled_and_zero_where_it_is_empty():
    raised = OfferingFactory(raised_usd=Decimal("2500000"))
    unknown = OfferingFactory(raised_usd=None)
    assert labels_from_field("raised_usd") == {raised.pk: 1, unknown.pk: 0}


def test_an_unknown_field_cannot_label_offerings():
    OfferingFactory()
    with pytest.raises(FieldDoesNotExist):
        labels_from_field("listed_on_cmc")


def test_a_slug_label_file_labels_the_offerings_it_names_and_ignores_unknown_slugs(tmp_path):
    aurora = OfferingFactory(slug="aurora")
    borealis = OfferingFactory(slug="borealis")
    OfferingFactory(slug="cirrus")  # not in the file: no label
    path = write_csv(tmp_path / "labels.csv", "slug,label\naurora,1\nborealis,0\nnowhere,1\n")
    assert labels_from_file(path) == {aurora.pk: 1, borealis.pk: 0}


def test_a_label_other_than_zero_or_one_is_refused_with_its_file_and_line(tmp_path):
    OfferingFactory(slug="aurora")
    path = write_csv(tmp_path / "labels.csv", "slug,label\naurora,1\nborealis,yes\n")
    with pytest.raises(ValueError, match=r"labels\.csv, line 3: label 'yes' is not 0 or 1"):
        labels_from_file(path)


TORD_LIKE = """\
name,token,Coinmarketcap_identifier
Tycoon Token,Tycoon Token / TYC,2838
Aurora,AUR,
Aurora,AUR,4191
Borealis,BOR,
Borealis,XXX,1
Cirrus,Unknown,77
Delta,DLT,NA
Nowhere,NOW,5
"""


def test_a_tord_file_labels_offerings_listed_by_name_and_symbol(tmp_path):
    tycoon = OfferingFactory(name="Tycoon Token", symbol="TYC")
    aurora = OfferingFactory(name="Aurora", symbol="AUR")
    borealis = OfferingFactory(name="Borealis", symbol="BOR")
    cirrus = OfferingFactory(name="Cirrus", symbol="")  # the import keeps "Unknown" as blank
    delta = OfferingFactory(name="Delta", symbol="DLT")
    OfferingFactory(name="Eventide", symbol="EVT")  # not in the file: no label
    path = write_csv(tmp_path / "tord_v4.csv", TORD_LIKE, bom=True)
    assert labels_from_file(path) == {
        tycoon.pk: 1,  # "Tycoon Token / TYC": the ticker is the last part
        aurora.pk: 1,  # unlisted on one row, listed on the other: listed
        borealis.pk: 0,  # the listed Borealis has another symbol
        cirrus.pk: 1,
        delta.pk: 0,  # tord_v2 writes NA where there is no identifier
    }


def test_every_offering_imported_from_a_tord_file_gets_a_label_from_it(tmp_path):
    path = write_csv(
        tmp_path / "tord_v4.csv",
        "name,token,Coinmarketcap_identifier,Source,is_ico\n"
        " Tycoon Token ,Tycoon Token / TYC,2838,ICObench,1\n"
        "Cirrus,Unknown,77,ICObench,1\n"
        "Gale,not a ticker!,,ICObench,1\n"
        "Delta,PASS Token,NA,ICObench,1\n",
        bom=True,
    )
    report = offerings_import(rows=read_tord(open_tord(path)), partial=True, lenient=True)
    assert report.created == 4
    labels = labels_from_file(path)
    names = Offering.objects.values_list("pk", "name")
    assert {name: labels.get(pk) for pk, name in names} == {
        "Tycoon Token": 1,
        "Cirrus": 1,
        "Gale": 0,
        "Delta": 0,
    }


def test_a_csv_with_neither_layout_is_refused_naming_the_file(tmp_path):
    path = write_csv(tmp_path / "outcomes.csv", "project,listed\naurora,1\n")
    with pytest.raises(ValueError, match=r"outcomes\.csv: needs slug,label columns"):
        labels_from_file(path)


# ---- backtest() ----------------------------------------------------------------------------

# (flags given, good outcomes, bad outcomes): the good ones mostly carry fewer flags.
GROUPS = (
    ({}, 4, 1),
    ({"hard_cap": Decimal(0)}, 2, 2),
    ({"hard_cap": Decimal(0), "refund_policy": "none"}, 0, 3),
)


def labelled_offerings() -> dict[int, int]:
    labels = {}
    for flags, good, bad in GROUPS:
        for label in [1] * good + [0] * bad:
            labels[OfferingFactory(**flags).pk] = label
    assessments_refresh(today=TODAY)
    return labels


def test_the_groups_score_in_three_distinct_levels_with_equal_coverage():
    labels = labelled_offerings()
    current = Assessment.objects.current().filter(offering_id__in=labels)
    scores = sorted(set(current.values_list("score", flat=True)), reverse=True)
    assert len(scores) == 3
    assert current.values("coverage").distinct().count() == 1


def test_backtest_scores_the_current_assessments_against_the_labels():
    labels = labelled_offerings()
    labels[OfferingFactory().pk] = 1  # never rescored: no score to test
    result = backtest(labels, ks=(5, 11, 20))
    assert (result.labelled, result.positives, result.base_rate) == (12, 6, 0.5)
    # Levels best first: 4 good + 1 bad, then 2 good + 2 bad, then 3 bad; 6 × 6 = 36 pairs.
    # A good one of the top level beats 2 + 3 bad ones and ties 1: 5.5, four times  = 22
    # A good one of the middle level beats 3 bad ones and ties 2:  4, twice         =  8
    assert result.auc == pytest.approx(30 / 36)
    assert result.coverage_auc == 0.5  # coverage is the same for all: it tells nothing
    # The top level is exactly 5 offerings; the best 11 leave out one of the 3 bad ones.
    assert result.precision_at == pytest.approx({5: 4 / 5, 11: 6 / 11})


def test_a_rule_lift_compares_the_outcome_rate_when_flagged_and_when_passed():
    result = backtest(labelled_offerings(), ks=())
    rules = {lift.code: lift for lift in result.rules}
    no_hard_cap = rules["caps.no_hard_cap"]
    # Flagged: the middle and the bottom level, 2 good of 7; passed: the top level, 4 of 5.
    assert (no_hard_cap.flagged, no_hard_cap.passed, no_hard_cap.unknown) == (7, 5, 0)
    assert no_hard_cap.flagged_positive_rate == pytest.approx(2 / 7)
    assert no_hard_cap.passed_positive_rate == pytest.approx(4 / 5)
    assert no_hard_cap.lift == pytest.approx((4 / 5) / (2 / 7))
    no_refund = rules["caps.no_refund_rule"]
    assert (no_refund.flagged, no_refund.flagged_positive_rate) == (3, 0.0)
    assert no_refund.lift is None  # no good outcome among the flagged: no ratio


def test_backtest_counts_only_the_current_assessment_of_each_offering():
    labels = labelled_offerings()
    assessments_refresh(today=TODAY, force=True)  # the first ones become history
    result = backtest(labels, ks=())
    no_hard_cap = next(lift for lift in result.rules if lift.code == "caps.no_hard_cap")
    assert no_hard_cap.flagged + no_hard_cap.passed + no_hard_cap.unknown == 12
    assert result.auc == pytest.approx(30 / 36)


def test_the_report_says_the_auc_is_undefined_without_a_blank_line_for_coverage():
    result = BacktestResult(labelled=2, positives=2, auc=None, coverage_auc=None, base_rate=1.0)
    lines = report_lines(result)
    assert lines[:2] == [
        "labelled offerings: 2; good outcomes: 2 (base rate 100.0%)",
        "AUC: undefined",
    ]
    assert lines.count("") == 1  # only the one before the rule table


# ---- the command ---------------------------------------------------------------------------


def test_the_command_prints_auc_precision_and_the_rule_table_and_writes_json(tmp_path):
    # 50 good without flags; 10 good and 40 bad without a hard cap: 60 × 40 = 2,400 pairs,
    # 50 × 40 won and 10 × 40 tied, so AUC = (2,000 + 200) / 2,400.
    offerings = OfferingFactory.create_batch(50) + OfferingFactory.create_batch(50, hard_cap=0)
    assessments_refresh(today=TODAY)
    rows = [f"{o.slug},{int(n < 60)}" for n, o in enumerate(offerings)]
    path = write_csv(tmp_path / "labels.csv", "slug,label\n" + "\n".join(rows) + "\n")
    json_path = tmp_path / "backtest.json"

    out = run_backtest("--label", str(path), "--json", str(json_path))

    assert "labelled offerings: 100; good outcomes: 60 (base rate 60.0%)" in out
    assert "AUC of the score: 0.917" in out
    assert "precision at 100: 60.0% (base rate 60.0%)" in out
    assert "precision at 500" not in out  # more than there are labelled offerings
    row = next(line for line in out.splitlines() if line.startswith("caps.no_hard_cap "))
    assert row.split() == ["caps.no_hard_cap", "50", "20.0%", "50", "100.0%", "0", "5.00"]
    figures = json.loads(json_path.read_text())["current_scores"]
    assert figures["auc"] == pytest.approx(2200 / 2400)
    assert figures["precision_at"] == {"100": 0.6}
    rule = next(r for r in figures["rules"] if r["code"] == "caps.no_hard_cap")
    assert rule["lift"] == pytest.approx(5.0)


def test_the_command_takes_an_offering_field_as_the_label():
    OfferingFactory(raised_usd=Decimal("3000000"))
    OfferingFactory(hard_cap=0)
    assessments_refresh(today=TODAY)
    out = run_backtest("--label", "raised_usd")
    assert "labelled offerings: 2; good outcomes: 1 (base rate 50.0%)" in out
    assert "AUC of the score: 1.000" in out


def test_a_label_that_is_neither_a_file_nor_a_field_is_refused():
    with pytest.raises(CommandError, match=r"--label 'listed\.csv' is neither a file"):
        run_backtest("--label", "listed.csv")


def test_a_label_file_of_the_wrong_layout_is_refused_naming_the_file(tmp_path):
    path = write_csv(tmp_path / "outcomes.csv", "project,listed\naurora,1\n")
    with pytest.raises(CommandError, match=r"outcomes\.csv: needs slug,label columns"):
        run_backtest("--label", str(path))


def test_the_command_asks_for_a_rescore_when_no_labelled_offering_has_a_score():
    OfferingFactory(raised_usd=Decimal("3000000"))
    with pytest.raises(CommandError, match=r"run manage\.py rescore first"):
        run_backtest("--label", "raised_usd")
