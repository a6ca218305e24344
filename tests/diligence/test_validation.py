"""Fitting weights on labelled offerings in the database: the design, the validation report,
the weights file and the commands that write them."""

from __future__ import annotations

import datetime as dt
import io
import json
import random
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from diligence.rescoring import assessments_refresh
from diligence.validation import label_set, labelled_design, validate, weights_document
from offerings.models import MarketSummary
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db

REPORT_KEYS = {
    "auc_in_sample",
    "auc_out_of_time",
    "auc_out_of_time_ci",
    "auc_by_source",
    "precision_at_k",
    "calibration",
    "rules",
}


@pytest.fixture
def labelled(tmp_path) -> Path:
    """160 offerings over four years and two sources, where purchase bonuses and small teams
    go with failure; a slug,label,source CSV of their outcomes."""
    rng = random.Random(11)
    lines = ["slug,label,source"]
    for n in range(160):
        bonus, small = rng.random() < 0.4, rng.random() < 0.4
        failure = 0.25 + 0.4 * bonus + 0.25 * small
        offering = OfferingFactory(
            bonus=bonus,
            team_size=3 if small else 12,
            start_date=dt.date(2017, 1, 1) + dt.timedelta(days=9 * n),
            end_date=dt.date(2017, 2, 1) + dt.timedelta(days=9 * n),
        )
        good = int(rng.random() > failure)
        lines.append(f"{offering.slug},{good},{'alpha' if n % 2 else 'beta'}")
    path = tmp_path / "labels.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_design_reads_each_labelled_offering_once_with_its_source_and_start(labelled):
    labels = label_set(str(labelled))

    design = labelled_design(labels)

    assert len(design) == 160
    assert set(design.groups) == {"alpha", "beta"}
    assert all(isinstance(d, dt.date) for d in design.dates)
    bonus = design.codes.index("sale.bonus_scheme")
    assert 0 < design.flags[:, bonus].sum() < 160
    assert not any(code.startswith("market.") for code in design.codes)


def test_market_facts_never_reach_the_fit(labelled):
    labels = label_set(str(labelled))
    before = labelled_design(labels)
    for offering_id in list(labels.good)[:40]:
        MarketSummary.objects.create(offering_id=offering_id, listed=False)

    after = labelled_design(labels)

    assert (before.flags == after.flags).all() and (before.unknowns == after.unknowns).all()


def test_the_report_holds_out_of_time_per_source_and_rule_figures(labelled):
    design = labelled_design(label_set(str(labelled)))

    report = validate(design, cutoff=dt.date(2019, 1, 1), samples=5)

    assert set(report) >= REPORT_KEYS
    assert report["train"] + report["test"] == 160
    low, high = report["auc_out_of_time_ci"]
    assert low <= report["auc_out_of_time"] <= high
    assert set(report["auc_by_source"]) == {"alpha", "beta"}
    assert sum(b["n"] for b in report["calibration"]) == report["test"]
    bonus = next(r for r in report["rules"] if r["code"] == "sale.bonus_scheme")
    assert bonus["lift"]["value"] > 1  # bonuses go with failure in this data
    assert bonus["flag_logit"] > 0


def test_the_weights_document_names_every_rule_and_says_why_some_are_not_fitted(labelled):
    labels = label_set(str(labelled))
    design = labelled_design(labels)
    report = validate(design, cutoff=dt.date(2019, 1, 1), samples=3)

    document = weights_document(design, labels, report, version="9.9", samples=3)

    assert document["methodology"] == "9.9"
    assert document["rules"]["sale.bonus_scheme"]["fitted"] is True
    assert document["rules"]["market.not_listed"] == {
        "fitted": False,
        "reason": document["rules"]["market.delisted"]["reason"],
    }
    assert len(document["calibration"]["bootstrap"]) == 3
    assert document["rules"]["sale.bonus_scheme"]["unknown_points"] == 0


def test_calibrate_writes_the_weights_file_and_backtest_the_json_report(labelled, tmp_path):
    out = io.StringIO()
    weights = tmp_path / "weights.json"
    call_command(
        "calibrate", "--label", str(labelled), "--bootstrap", "3", "--cutoff", "2019-01-01",
        "--output", str(weights), stdout=out,
    )  # fmt: skip
    assert "out of time" in out.getvalue()
    assert json.loads(weights.read_text())["rules"]["team.small"]["fitted"] is True

    assessments_refresh()
    report = tmp_path / "report.json"
    call_command(
        "backtest", "--label", str(labelled), "--bootstrap", "3", "--cutoff", "2019-01-01",
        "--json", str(report), stdout=io.StringIO(),
    )  # fmt: skip
    data = json.loads(report.read_text())
    assert set(data) >= REPORT_KEYS | {"current_scores"}
    assert data["current_scores"]["labelled"] == 160


def test_calibrate_refuses_too_few_labelled_offerings(tmp_path):
    offering = OfferingFactory()
    labels = tmp_path / "few.csv"
    labels.write_text(f"slug,label\n{offering.slug},1\n")

    with pytest.raises(CommandError, match="too few to fit weights"):
        call_command("calibrate", "--label", str(labels), stdout=io.StringIO())
