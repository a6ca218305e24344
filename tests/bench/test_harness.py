"""The shared benchmark harness: paired ratios and the interleaved loop (no database)."""

from __future__ import annotations

from bench.api_list import _interleaved
from bench.harness import summary_of_pairs


def test_one_wild_pair_moves_the_range_not_the_median():
    steady = summary_of_pairs([2.0, 2.1, 1.9, 2.0, 2.2])
    noisy = summary_of_pairs([2.0, 2.1, 1.9, 2.0, 9.0])
    assert steady["median"] == noisy["median"] == 2.0
    assert noisy["max"] == 9.0 and steady["max"] == 2.2
    assert (noisy["q1"], noisy["q3"]) == (2.0, 2.1)


def test_a_single_pair_is_its_own_median_and_range():
    assert summary_of_pairs([3.0]) == {
        "median": 3.0,
        "q1": 3.0,
        "q3": 3.0,
        "min": 3.0,
        "max": 3.0,
        "pairs": 1,
    }


def test_the_interleaved_loop_rotates_which_variant_goes_first():
    calls: list[str] = []
    variants = {name: (lambda name=name: calls.append(name)) for name in ("a", "b", "c")}
    timings = _interleaved(variants, rounds=3, warm_up=0)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert {name: len(times) for name, times in timings.items()} == {"a": 3, "b": 3, "c": 3}
