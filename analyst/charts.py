"""Chart geometry for server-rendered SVG: pure functions from figures to coordinates.

Each function takes plain lists of points, bins or intervals and returns the SVG user-unit
coordinates a template partial draws (templates/analyst/charts/): a ROC curve, a reliability
diagram and a forest chart of values with intervals. No database, no template, no JavaScript:
the track record and the methodology page pass their own figures in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 320
HEIGHT = 320
# Room for the tick labels on the left and below, a little air above and to the right.
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP, MARGIN_RIGHT = 40, 36, 10, 12
UNIT_TICKS = (0.0, 0.25, 0.5, 0.75, 1.0)
FOREST_ROW = 22


@dataclass(frozen=True)
class Tick:
    position: float  # x for a horizontal axis, y for a vertical one
    label: str


@dataclass(frozen=True)
class Segment:
    x1: float
    y1: float
    x2: float
    y2: float


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    r: float
    label: str


@dataclass(frozen=True)
class Frame:
    """The plotting area inside the margins, and the unit square mapped onto it."""

    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float

    def x(self, value: float) -> float:
        return round(float(self.left + value * (self.right - self.left)), 2)

    def y(self, value: float) -> float:
        return round(float(self.bottom - value * (self.bottom - self.top)), 2)


@dataclass(frozen=True)
class UnitChart:
    """A chart on the unit square: frame, ticks on both axes, the diagonal, a line and dots."""

    frame: Frame
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    diagonal: Segment
    line: str  # SVG polyline points: "x,y x,y …"
    dots: tuple[Dot, ...]
    x_label: str
    y_label: str


def unit_frame(width: int = WIDTH, height: int = HEIGHT) -> Frame:
    return Frame(
        width=width,
        height=height,
        left=MARGIN_LEFT,
        top=MARGIN_TOP,
        right=width - MARGIN_RIGHT,
        bottom=height - MARGIN_BOTTOM,
    )


def _clip(value: float) -> float:
    return min(max(value, 0.0), 1.0)


def _unit_chart(
    points: Sequence[tuple[float, float]],
    dots: tuple[Dot, ...],
    x_label: str,
    y_label: str,
    frame: Frame,
) -> UnitChart:
    return UnitChart(
        frame=frame,
        x_ticks=tuple(Tick(frame.x(t), f"{t:g}") for t in UNIT_TICKS),
        y_ticks=tuple(Tick(frame.y(t), f"{t:g}") for t in UNIT_TICKS),
        diagonal=Segment(frame.x(0), frame.y(0), frame.x(1), frame.y(1)),
        line=" ".join(f"{frame.x(_clip(x))},{frame.y(_clip(y))}" for x, y in points),
        dots=dots,
        x_label=x_label,
        y_label=y_label,
    )


def roc_chart(
    points: Sequence[tuple[float, float]], *, width: int = WIDTH, height: int = HEIGHT
) -> UnitChart:
    """A ROC curve from (false positive rate, true positive rate) points, drawn from (0, 0) to
    (1, 1) whether or not the points include the ends; the diagonal is a coin toss."""
    ordered = sorted(points)
    if not ordered or ordered[0] != (0.0, 0.0):
        ordered.insert(0, (0.0, 0.0))
    if ordered[-1] != (1.0, 1.0):
        ordered.append((1.0, 1.0))
    return _unit_chart(
        ordered, (), "false positive rate", "true positive rate", unit_frame(width, height)
    )


@dataclass(frozen=True)
class ReliabilityBin:
    predicted: float  # mean predicted probability in the bin
    observed: float  # share of good outcomes in the bin
    count: int


def reliability_chart(
    bins: Sequence[ReliabilityBin], *, width: int = WIDTH, height: int = HEIGHT
) -> UnitChart:
    """Predicted against observed, one dot per non-empty bin (its area grows with the bin's
    count), joined in order of prediction; on the diagonal a prediction is calibrated."""
    frame = unit_frame(width, height)
    filled = sorted((b for b in bins if b.count), key=lambda b: b.predicted)
    largest = max((b.count for b in filled), default=1)
    dots = tuple(
        Dot(
            frame.x(_clip(b.predicted)),
            frame.y(_clip(b.observed)),
            round(3 + 5 * (b.count / largest) ** 0.5, 2),
            f"predicted {b.predicted:.0%}, observed {b.observed:.0%} of {b.count}",
        )
        for b in filled
    )
    points = [(b.predicted, b.observed) for b in filled]
    return _unit_chart(points, dots, "predicted", "observed", frame)


@dataclass(frozen=True)
class Interval:
    label: str
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class ForestRow:
    label: str
    y: float
    x: float
    x_low: float
    x_high: float
    text: str


@dataclass(frozen=True)
class ForestChart:
    width: int
    height: int
    left: float
    right: float
    rows: tuple[ForestRow, ...]
    ticks: tuple[Tick, ...]
    reference: float | None  # x of the reference line (e.g. no effect), when in range
    axis_y: float


def forest_chart(
    intervals: Sequence[Interval],
    *,
    reference: float | None = None,
    domain: tuple[float, float] | None = None,
    width: int = 480,
    label_width: int = 180,
    ticks: int = 5,
) -> ForestChart:
    """One row per interval: a dot at its value and a bar from low to high, on a shared
    horizontal axis (the domain covers every interval and the reference unless given)."""
    values = [v for i in intervals for v in (i.low, i.value, i.high)]
    if reference is not None:
        values.append(reference)
    low, high = domain or (min(values, default=0.0), max(values, default=1.0))
    if high <= low:
        low, high = low - 0.5, high + 0.5
    left, right = float(label_width), float(width - MARGIN_RIGHT)

    def x(value: float) -> float:
        clipped = min(max(value, low), high)
        return round(left + (clipped - low) / (high - low) * (right - left), 2)

    rows = tuple(
        ForestRow(
            label=i.label,
            y=MARGIN_TOP + (n + 0.5) * FOREST_ROW,
            x=x(i.value),
            x_low=x(i.low),
            x_high=x(i.high),
            text=f"{i.value:.3g} ({i.low:.3g} to {i.high:.3g})",
        )
        for n, i in enumerate(intervals)
    )
    axis_y = MARGIN_TOP + len(rows) * FOREST_ROW
    steps = max(ticks - 1, 1)
    tick_values = [low + (high - low) * n / steps for n in range(steps + 1)]
    return ForestChart(
        width=width,
        height=int(axis_y + MARGIN_BOTTOM),
        left=left,
        right=right,
        rows=rows,
        ticks=tuple(Tick(x(v), f"{v:.3g}") for v in tick_values),
        reference=x(reference) if reference is not None and low <= reference <= high else None,
        axis_y=axis_y,
    )
