"""The list benchmark runs end to end at a tiny scale (figures are checked for sense, not speed)."""

from __future__ import annotations

import pytest

from bench.api_list import measure, report_table
from bench.seed import TODAY, offerings_seed
from diligence.rescoring import assessments_refresh

pytestmark = pytest.mark.django_db


def test_the_benchmark_reports_every_figure_with_a_constant_query_count():
    offerings_seed(scale=120)
    assessments_refresh(today=TODAY)
    report = measure(repeats=3)
    for key in (
        "api_list_p50_ms",
        "api_list_p95_ms",
        "api_list_floor_p50_ms",
        "api_list_naive_p50_ms",
        "api_list_p50_over_floor",
        "api_list_naive_over_ours",
    ):
        assert report[key] > 0, key
    assert report["api_list_queries"] <= 6
    assert report["scale"] == 120
    assert "naive" in report_table(report)
    spread = report["api_list_naive_over_ours_spread"]
    assert spread["pairs"] == 3
    assert spread["min"] <= spread["q1"] <= spread["median"] <= spread["q3"] <= spread["max"]
    assert report["api_list_naive_over_ours"] == spread["median"]
