"""The contract-check benchmark still runs end to end, at a tiny scale (rates, not times)."""

from __future__ import annotations

import pytest

from bench.contract_refresh import measure, report_table
from offerings.models import ContractChange, ContractRisk, ContractSnapshot, Offering

pytestmark = pytest.mark.django_db

RATES = ("contract_rows_per_s", "contract_naive_rows_per_s", "contract_naive_over_ours")


def test_the_benchmark_reports_a_positive_rate_for_every_measurement():
    report = measure(scale=12, repeats=1, sample=4)

    assert (report["scale"], report["repeats"], report["contract_naive_sample"]) == (12, 1, 4)
    assert all(report[key] > 0 for key in RATES)
    assert "ours over naive" in report_table(report)


def test_the_benchmark_makes_its_own_offerings_and_leaves_one_current_check_each():
    measure(scale=12, repeats=1, sample=4)
    measure(scale=12, repeats=1, sample=4)

    assert Offering.objects.filter(slug__startswith="bench-contract-").count() == 12
    assert ContractRisk.objects.count() == 12
    # first check and one re-check of 3 providers each, then the naive sample's 3 each
    assert ContractSnapshot.objects.count() == 2 * 12 * 3 + 4 * 3
    assert ContractChange.objects.exists()
