"""The points each rule costs under the current methodology, read from its committed file.

`diligence/weights/<version>.json` is written by `manage.py calibrate` (weights learned from
outcomes, see diligence/calibration.py) and reviewed like code. A rule the file does not name —
one the labelled data could not judge, or one added after the fit — costs its guide-based prior:
its severity weight × 1.5 points when flagged, a quarter of that when unknown.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from diligence.calibration import POINTS_PER_LOGIT, PRIOR_LOGIT_PER_WEIGHT, UNKNOWN_PRIOR_SHARE

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class RuleWeights:
    flag_points: Decimal
    unknown_points: Decimal
    fitted: bool


@dataclass(frozen=True)
class Weights:
    version: str
    rules: dict[str, RuleWeights]
    intercept: float
    slope: float
    bootstrap: tuple[tuple[float, float], ...]
    outcome: str
    document: dict

    def for_rule(self, code: str, severity_weight: int) -> RuleWeights:
        known = self.rules.get(code)
        return known if known is not None else prior_weights(severity_weight)

    def probability(self, points: Decimal) -> float:
        """Chance of the good outcome (the fit's label) for an offering losing `points`."""
        return _sigmoid(self.intercept - self.slope * float(points) / POINTS_PER_LOGIT)

    def probability_interval(self, points: Decimal) -> tuple[float, float] | None:
        """The 95% interval of that chance over the fit's bootstrap resamples."""
        if not self.bootstrap:
            return None
        risk = float(points) / POINTS_PER_LOGIT
        values = sorted(_sigmoid(a - b * risk) for a, b in self.bootstrap)
        low = values[int(0.025 * (len(values) - 1))]
        high = values[math.ceil(0.975 * (len(values) - 1))]
        return low, high


def prior_weights(severity_weight: int) -> RuleWeights:
    flag = points(severity_weight * PRIOR_LOGIT_PER_WEIGHT)
    return RuleWeights(flag, points(float(flag) / POINTS_PER_LOGIT * UNKNOWN_PRIOR_SHARE), False)


def points(logit: float) -> Decimal:
    """Log-odds as score points, to a tenth."""
    return Decimal(repr(logit * POINTS_PER_LOGIT)).quantize(TENTH, ROUND_HALF_UP)


@cache
def load(version: str) -> Weights:
    """The weights of a methodology version; a missing file is an error, not a silent prior."""
    path = WEIGHTS_DIR / f"{version}.json"
    document = json.loads(path.read_text())
    if document.get("methodology") != version:
        raise ValueError(f"{path}: methodology {document.get('methodology')!r} is not {version}")
    calibration = document["calibration"]
    return Weights(
        version=version,
        rules={
            code: RuleWeights(
                Decimal(str(rule["flag_points"])), Decimal(str(rule["unknown_points"])), True
            )
            for code, rule in document["rules"].items()
            if rule.get("fitted")
        },
        intercept=float(calibration["intercept"]),
        slope=float(calibration["slope"]),
        bootstrap=tuple(tuple(pair) for pair in calibration.get("bootstrap", ())),
        outcome=document["outcome"]["definition"],
        document=document,
    )


def _sigmoid(z: float) -> float:
    return 0.5 * (1.0 + math.tanh(0.5 * z))
