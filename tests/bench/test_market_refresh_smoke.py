"""The market-refresh benchmark still runs end to end, at a tiny scale (rates, not times)."""

from __future__ import annotations

import pytest

from bench.market_refresh import measure, report_table
from offerings.models import MarketSnapshot, MarketSummary, Offering

pytestmark = pytest.mark.django_db

RATES = (
    "refresh_rows_per_s",
    "refresh_naive_rows_per_s",
    "refresh_naive_over_ours",
    "fetch_rows_per_s",
)


def test_the_benchmark_reports_a_positive_rate_for_every_measurement():
    report = measure(scale=12, repeats=1, sample=4)

    assert (report["scale"], report["repeats"], report["refresh_naive_sample"]) == (12, 1, 4)
    assert all(report[key] > 0 for key in RATES)
    assert "ours over naive" in report_table(report)


def test_the_benchmark_links_its_own_offerings_and_leaves_one_summary_each():
    measure(scale=12, repeats=1, sample=4)
    measure(scale=12, repeats=1, sample=4)

    offerings = Offering.objects.filter(slug__startswith="bench-market-")
    assert offerings.count() == 12
    assert MarketSummary.objects.count() == 12
    # warm-up and one timed run, plus the naive sample's rows
    assert MarketSnapshot.objects.count() == 2 * 12 + 4
