"""Chart geometry: pure functions from figures to SVG coordinates."""

from __future__ import annotations

from analyst.charts import (
    Interval,
    ReliabilityBin,
    forest_chart,
    reliability_chart,
    roc_chart,
    unit_frame,
)


def test_the_unit_square_maps_onto_the_frame_with_y_upwards():
    frame = unit_frame(320, 320)
    assert (frame.x(0), frame.x(1)) == (frame.left, frame.right)
    assert (frame.y(0), frame.y(1)) == (frame.bottom, frame.top)
    assert frame.y(0.5) == (frame.top + frame.bottom) / 2


def test_a_roc_curve_runs_from_the_origin_to_the_top_right_in_order():
    chart = roc_chart([(0.5, 0.9), (0.0, 0.4)])
    f = chart.frame
    assert chart.line == (
        f"{f.x(0)},{f.y(0)} {f.x(0)},{f.y(0.4)} {f.x(0.5)},{f.y(0.9)} {f.x(1)},{f.y(1)}"
    )
    assert (chart.diagonal.x1, chart.diagonal.y1, chart.diagonal.x2, chart.diagonal.y2) == (
        f.x(0),
        f.y(0),
        f.x(1),
        f.y(1),
    )
    assert [t.label for t in chart.x_ticks] == ["0", "0.25", "0.5", "0.75", "1"]


def test_a_roc_curve_with_its_ends_given_does_not_repeat_them():
    chart = roc_chart([(0.0, 0.0), (0.2, 0.7), (1.0, 1.0)])
    assert len(chart.line.split()) == 3


def test_the_reliability_diagram_has_a_dot_per_filled_bin_sized_by_its_count():
    chart = reliability_chart(
        [
            ReliabilityBin(predicted=0.8, observed=0.6, count=100),
            ReliabilityBin(predicted=0.2, observed=0.25, count=25),
            ReliabilityBin(predicted=0.5, observed=0.0, count=0),
        ]
    )
    f = chart.frame
    assert [(d.x, d.y) for d in chart.dots] == [(f.x(0.2), f.y(0.25)), (f.x(0.8), f.y(0.6))]
    assert chart.dots[1].r == 8.0 and chart.dots[0].r == 5.5  # area follows the count
    assert chart.line == f"{f.x(0.2)},{f.y(0.25)} {f.x(0.8)},{f.y(0.6)}"
    assert chart.dots[0].label == "predicted 20%, observed 25% of 25"


def test_values_outside_the_unit_square_are_clipped_to_its_edge():
    chart = reliability_chart([ReliabilityBin(predicted=1.2, observed=-0.1, count=3)])
    assert (chart.dots[0].x, chart.dots[0].y) == (chart.frame.right, chart.frame.bottom)


def test_a_forest_chart_puts_each_interval_on_its_own_row_of_a_shared_axis():
    chart = forest_chart(
        [Interval("a", 0.6, 0.5, 0.7), Interval("b", -1.0, -2.0, 0.0)],
        reference=0.0,
        width=400,
        label_width=100,
    )
    a, b = chart.rows
    assert (chart.left, chart.right) == (100.0, 388.0)
    assert b.x_low == chart.left  # -2 is the domain's low end
    assert a.x_high == chart.right  # 0.7 its high end
    assert chart.reference == b.x_high  # 0 on both
    assert a.y < b.y and chart.axis_y > b.y
    assert a.x_low < a.x < a.x_high
    assert a.text == "0.6 (0.5 to 0.7)"
    assert [t.label for t in chart.ticks] == ["-2", "-1.32", "-0.65", "0.025", "0.7"]


def test_a_forest_chart_keeps_a_given_domain_and_drops_a_reference_outside_it():
    chart = forest_chart(
        [Interval("auc", 0.7, 0.6, 0.8)], reference=1.5, domain=(0.0, 1.0), width=300
    )
    assert chart.reference is None
    assert chart.ticks[0].position == chart.left and chart.ticks[-1].position == chart.right
    assert chart.rows[0].x == round(chart.left + 0.7 * (chart.right - chart.left), 2)


def test_a_forest_chart_of_one_point_still_has_a_width():
    chart = forest_chart([Interval("x", 1.0, 1.0, 1.0)])
    assert chart.left < chart.rows[0].x < chart.right
