"""The rescoring benchmark still runs end to end, at a tiny scale (rates are checked, not times)."""

from __future__ import annotations

import pytest

from bench.rescore import measure, report_table
from bench.seed import offerings_seed
from diligence.models import Assessment
from diligence.rules import RULES
from offerings.models import Offering, TeamMember

pytestmark = pytest.mark.django_db

RATES = (
    "rescore_per_s",
    "rescore_unchanged_per_s",
    "rescore_first_per_s",
    "rescore_one_process_per_s",
    "rescore_unchanged_one_process_per_s",
    "naive_per_s",
    "rescore_naive_over_ours",
)


def test_the_seed_makes_offerings_with_their_parts():
    offerings_seed(scale=30)
    assert Offering.objects.count() == 30
    members = TeamMember.objects.filter(offering__slug="bench-0").count()
    assert 3 <= members <= 8


def test_the_benchmark_reports_a_positive_rate_for_every_measurement():
    offerings_seed(scale=30)
    report = measure(sample=5, repeats=1)
    assert (report["scale"], report["naive_sample"], report["repeats"]) == (30, 5, 1)
    assert all(report[key] > 0 for key in RATES)
    assert len(report["rescore_runs_per_s"]) == 1
    assert {"cores", "memory_gb", "python", "django", "database"} <= set(report["machine"])
    assert "naive over ours" in report_table(report)


def test_the_benchmark_leaves_one_current_assessment_per_offering():
    offerings_seed(scale=30)
    measure(sample=5, repeats=1)
    current = Assessment.objects.current()
    assert current.count() == 30
    assert len(current.first().findings) == len(RULES)
