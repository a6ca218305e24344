"""bench.load's A/B report: medians per tree and the median of paired gains, each oriented so
that above 1 means this tree is better (a higher rate, a lower cost)."""

from __future__ import annotations

from bench.load.__main__ import comparison, comparison_table


def _report(rate: float, p95: float, gunicorn: float, postgresql: float, lost: int = 0) -> dict:
    return {
        "requests_per_s": rate,
        "p50_ms": p95 / 2,
        "p95_ms": p95,
        "cpu_ms_per_request": {
            "gunicorn": gunicorn,
            "postgresql": postgresql,
            "redis": 0.2,
            "locust": 1.0,
        },
        "goals": {"requests_per_s >= 300": False, "zero lost writes": lost == 0},
    }


def test_the_gain_is_the_median_of_paired_ratios_oriented_to_better_is_above_one():
    runs = {
        "baseline abc": [
            _report(50, 1000, 20, 10),
            _report(30, 2000, 30, 12),
            _report(60, 900, 18, 9),
        ],
        "this tree": [_report(100, 500, 10, 5), _report(45, 1000, 20, 6), _report(60, 900, 18, 9)],
    }
    result = comparison(runs)
    assert result["medians"]["this tree"]["requests_per_s"] == 60
    assert result["medians"]["baseline abc"]["cpu total"] == 31.2
    gain = result["gain"]
    assert (gain["requests_per_s"]["median"], gain["requests_per_s"]["max"]) == (1.5, 2.0)
    assert gain["cpu postgresql"]["median"] == 2.0  # 10/5, 12/6, 9/9
    assert gain["p95_ms"]["min"] == 1.0
    assert result["goals_met_in_every_round"]["this tree"] == {
        "requests_per_s >= 300": False,
        "zero lost writes": True,
    }
    table = comparison_table(result)
    assert "1.50x (1.00-2.00)" in table and "3 rounds per tree" in table
    assert "goal zero lost writes in every round: baseline abc: met; this tree: met" in table


def test_each_tree_is_judged_on_its_own_rounds():
    fast = _report(320, 200, 4, 1)
    fast["goals"]["requests_per_s >= 300"] = True
    result = comparison({"baseline abc": [_report(250, 200, 5, 1)], "this tree": [fast]})
    assert result["goals_met_in_every_round"]["this tree"]["requests_per_s >= 300"] is True
    assert result["goals_met_in_every_round"]["baseline abc"]["requests_per_s >= 300"] is False
    assert "requests_per_s >= 300 in every round: baseline abc: missed; this tree: met" in (
        comparison_table(result)
    )


def test_a_round_that_lost_a_write_fails_the_goal_for_the_whole_comparison():
    runs = {"this tree": [_report(50, 900, 10, 5), _report(50, 900, 10, 5, lost=1)]}
    result = comparison(runs)
    assert "gain" not in result
    assert result["goals_met_in_every_round"]["this tree"]["zero lost writes"] is False


def test_what_benchmark_runs_wrote_is_removed_and_the_seed_stays(db):
    from bench.load.__main__ import bench_writes_removed
    from offerings.models import Offering
    from tests.factories import OfferingFactory, TeamMemberFactory

    seeded = OfferingFactory(slug="bench-1")
    for slug in ("load-ab12cd34-1", "cpu-ef56-2"):
        TeamMemberFactory(offering=OfferingFactory(slug=slug))
    assert bench_writes_removed() == 4  # two offerings and their team members
    assert list(Offering.all_objects.values_list("pk", flat=True)) == [seeded.pk]
