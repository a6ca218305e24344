"""`make bench` still runs end to end, at a tiny scale in the test database (figures are
checked for presence and sense, not speed): every figure is measured or named as missing with
its reason, and every goal gets a verdict."""

from __future__ import annotations

import json

import pytest

from bench.run import GOALS, report_table, run, scale_from
from bench.seed import offerings_seed

# Enough for a full API page of 50 ICOs, which bench/api_list.py checks it gets.
SCALE = 150
REQUIRED = (
    "api_list_p50_ms",
    "api_list_p95_ms",
    "api_list_queries",
    "api_list_p50_over_floor",
    "api_list_naive_over_ours",
    "html_fragment_p50_ms",
    "html_list_p50_ms",
    "rescore_per_s",
    "rescore_naive_over_ours",
    "refresh_rows_per_s",
    "refresh_naive_over_ours",
    "import_rows_per_s",
    "whitepapers_add_copy_p50_ms",
)
# Which step measures each figure, to find the reason when it is missing.
STEP = {"api": "api_list", "refresh": "refresh", "import": "import", "whitepapers": "whitepapers"}


@pytest.fixture
def report(transactional_db):
    """One run of the whole harness over SCALE seeded offerings, committed as `make bench` runs."""
    offerings_seed(scale=SCALE)
    return run(scale=SCALE, repeats=3, sample=5)


def _reason(report: dict, key: str) -> str | None:
    if key == "import_rows_per_s":
        return report.get("import_missing")
    return report["missing"].get(STEP.get(key.split("_")[0], ""))


def test_the_harness_runs_end_to_end_at_a_tiny_scale(report):
    assert report["scale"] == SCALE  # not the scale a step reports of its own
    assert report["failed"] == {}
    # Every figure is measured, or named as missing with the reason.
    for key in REQUIRED:
        value = report.get(key)
        assert value is not None or _reason(report, key), f"{key} is neither measured nor missing"
        if value is not None:
            assert value > 0, key
    # The pages, with their query counts, and the rescoring comparison.
    assert 0 < report["html_fragment_p50_ms"] <= report["html_fragment_p95_ms"]
    assert 0 < report["html_list_queries"] <= 10
    assert 0 < report["html_fragment_queries"] <= report["html_list_queries"]
    assert report["rescore_naive_over_ours"] > 1
    # Every goal gets a verdict, and the report reads as a table and as JSON.
    verdicts = {goal["figure"]: goal["verdict"] for goal in report["goals"]}
    assert set(verdicts) == {key for key, *_ in GOALS}
    for key, verdict in verdicts.items():
        assert verdict == "missing" if report.get(key) is None else verdict in ("met", "missed")
    table = report_table(report)
    assert "htmx fragment p50" in table and "rescoring" in table
    assert {"cores", "memory_gb", "python", "database"} <= set(report["machine"])
    json.dumps(report, default=str)


def test_scales_are_named_or_counted():
    assert (scale_from("small"), scale_from("full"), scale_from("123")) == (10_000, 100_000, 123)
    with pytest.raises(SystemExit, match="BENCH_SCALE"):
        scale_from("huge")
