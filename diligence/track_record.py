"""The live track record: how the frozen as-of-sale-end scores did against the outcomes
recorded since (offerings.SaleOutcome).

An offering's outcome is
- bad (0) when any of exit scam, failed, abandoned, regulator action, not listed within
  TRACK_RECORD_LISTING_DAYS of the sale's end, or delisted everywhere is recorded;
- good (1) when it was listed within that window, the window is over, and nothing bad is
  recorded (a later bad outcome turns it bad);
- unknown otherwise (the window is not over yet, or the market data cannot say).
Trading below the sale price one year on is shown but is neither: many sound tokens do.

The scoreboard is computed by `track_record_refresh` (a daily beat task) and stored as one
TrackRecord row, which the page and `backtest --live` read.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from diligence.backtest import auc, precision_at_k
from diligence.models import Assessment, TrackRecord
from diligence.scoring import METHODOLOGY_VERSION
from offerings.models import SaleOutcome

Kind = SaleOutcome.Kind
BAD_KINDS = frozenset(
    {
        Kind.EXIT_SCAM,
        Kind.FAILED,
        Kind.ABANDONED,
        Kind.REGULATOR_ACTION,
        Kind.NOT_LISTED,
        Kind.DELISTED,
    }
)
GOOD_KIND = Kind.LISTED
DEFINITIONS = {
    "good": "listed within {days} days of the sale's end, the window over, nothing bad recorded",
    "bad": "exit scam, failed, abandoned, regulator action, not listed within {days} days of "
    "the sale's end, or delisted everywhere",
    "unknown": "the listing window is not over yet, or the market data cannot say",
    "predicted": "the frozen as-of-sale-end assessment's calibrated probability (methodology "
    "2.0 on; before it, the score / 100)",
}
BOOTSTRAP_SAMPLES = 1000
BOOTSTRAP_SEED = 20261204
CALIBRATION_BINS = 10
PRECISION_KS = (10, 50, 100, 500)
ROC_POINTS = 200  # at most this many points of the curve are kept


def predicted(assessment: Assessment) -> float | None:
    """The track record's prediction of a good outcome from a frozen assessment: its calibrated
    probability, or score / 100 for assessments made before methodology 2.0 had one."""
    if assessment.probability is not None:
        return float(assessment.probability)
    return None if assessment.score is None else float(assessment.score) / 100


def outcome_label(kinds: set[str], *, window_over: bool) -> int | None:
    """1 good, 0 bad, None unknown (see the module's definitions)."""
    if kinds & BAD_KINDS:
        return 0
    if GOOD_KIND in kinds and window_over:
        return 1
    return None


def live_labels(
    offering_ids: Sequence[int], end_dates: dict[int, dt.date | None], *, today: dt.date
) -> dict[int, int]:
    """The known outcome labels of these offerings (one query)."""
    kinds: dict[int, set[str]] = defaultdict(set)
    for offering_id, kind in SaleOutcome.objects.filter(
        offering_id__in=list(offering_ids)
    ).values_list("offering_id", "kind"):
        kinds[offering_id].add(kind)
    window = dt.timedelta(days=settings.TRACK_RECORD_LISTING_DAYS)
    labels = {}
    for offering_id in offering_ids:
        end = end_dates.get(offering_id)
        label = outcome_label(
            kinds.get(offering_id, set()), window_over=end is not None and end + window < today
        )
        if label is not None:
            labels[offering_id] = label
    return labels


def scoreboard(*, today: dt.date | None = None) -> dict[str, Any]:
    """The figures of the track record, as JSON-ready data (3 queries)."""
    today = today or timezone.localdate()
    frozen = list(
        Assessment.objects.sale_end()
        .annotate(end_date=F("offering__end_date"))
        .order_by("offering_id")
    )
    predictions = {a.offering_id: predicted(a) for a in frozen}
    ids = [pk for pk, value in predictions.items() if value is not None]
    labels = live_labels(ids, {a.offering_id: a.end_date for a in frozen}, today=today)
    labelled = [pk for pk in ids if pk in labels]
    scores = [predictions[pk] for pk in labelled]
    outcomes = [labels[pk] for pk in labelled]
    good = sum(outcomes)
    days = settings.TRACK_RECORD_LISTING_DAYS
    versions: dict[str, int] = defaultdict(int)
    for assessment in frozen:
        versions[assessment.methodology_version] += 1
    return {
        "computed_on": today.isoformat(),
        "listing_days": days,
        "definitions": {key: text.format(days=days) for key, text in DEFINITIONS.items()},
        "methodology_versions": dict(sorted(versions.items())),
        "frozen": len(frozen),
        "scored": len(ids),
        "labelled": len(labelled),
        "good": good,
        "bad": len(labelled) - good,
        "base_rate": good / len(labelled) if labelled else None,
        "auc": auc(scores, outcomes),
        "auc_ci": auc_interval(scores, outcomes),
        "bootstrap_samples": BOOTSTRAP_SAMPLES,
        "precision_at_k": {
            str(k): precision_at_k(scores, outcomes, k) for k in PRECISION_KS if k <= len(scores)
        },
        "calibration": calibration_bins(scores, outcomes),
        "roc": roc_points(scores, outcomes),
    }


def auc_interval(
    scores: Sequence[float],
    labels: Sequence[int],
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> list[float] | None:
    """The bootstrap 95% percentile interval of the AUC (offerings resampled with replacement;
    resamples with one class only are skipped), or None when the AUC is undefined."""
    if auc(scores, labels) is None:
        return None
    rng = random.Random(seed)
    pairs = list(zip(scores, labels, strict=True))
    values = []
    for _ in range(samples):
        drawn = rng.choices(pairs, k=len(pairs))
        value = auc([s for s, _ in drawn], [label for _, label in drawn])
        if value is not None:
            values.append(value)
    if not values:
        return None
    values.sort()
    return [_percentile(values, 0.025), _percentile(values, 0.975)]


def _percentile(ordered: list[float], share: float) -> float:
    position = share * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def calibration_bins(
    scores: Sequence[float], labels: Sequence[int], *, bins: int = CALIBRATION_BINS
) -> list[dict[str, float | int]]:
    """Equal-width bins of the prediction: each non-empty one with its range, count, mean
    prediction and observed share of good outcomes."""
    members: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for score, label in zip(scores, labels, strict=True):
        members[min(int(score * bins), bins - 1)].append((score, label))
    return [
        {
            "low": index / bins,
            "high": (index + 1) / bins,
            "count": len(rows),
            "predicted": sum(s for s, _ in rows) / len(rows),
            "observed": sum(label for _, label in rows) / len(rows),
        }
        for index, rows in sorted(members.items())
    ]


def roc_points(
    scores: Sequence[float], labels: Sequence[int], *, limit: int = ROC_POINTS
) -> list[list[float]]:
    """(false positive rate, true positive rate) at every distinct threshold, highest first,
    from (0, 0) to (1, 1); thinned to about `limit` points."""
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return []
    ordered = sorted(zip(scores, labels, strict=True), key=lambda pair: -pair[0])
    points = [[0.0, 0.0]]
    tp = fp = 0
    for index, (score, label) in enumerate(ordered):
        tp += label
        fp += 1 - label
        if index + 1 == len(ordered) or ordered[index + 1][0] != score:
            points.append([fp / negatives, tp / positives])
    if len(points) > limit:
        step = len(points) / (limit - 1)
        points = [points[int(n * step)] for n in range(limit - 1)] + [points[-1]]
    return points


def track_record_refresh(*, today: dt.date | None = None) -> TrackRecord:
    """Recompute the scoreboard and store it as the newest TrackRecord."""
    return TrackRecord.objects.create(
        computed_at=timezone.now(),
        methodology_version=METHODOLOGY_VERSION,
        result=scoreboard(today=today),
    )


def latest_track_record() -> TrackRecord | None:
    return TrackRecord.objects.order_by("-computed_at", "-id").first()


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def scoreboard_lines(data: dict[str, Any]) -> list[str]:
    """The scoreboard as printable lines."""
    ci = data["auc_ci"]
    lines = [
        f"frozen as-of-sale-end assessments: {data['frozen']:,} ({data['scored']:,} scored)",
        f"labelled: {data['labelled']:,} ({data['good']:,} good, {data['bad']:,} bad; "
        f"base rate {_share(data['base_rate'])})",
        f"AUC: {data['auc']:.3f} (95% bootstrap interval {ci[0]:.3f}–{ci[1]:.3f})"
        if data["auc"] is not None and ci
        else "AUC: undefined (needs good and bad outcomes)",
    ]
    lines += [f"precision at {k}: {_share(v)}" for k, v in data["precision_at_k"].items()]
    lines.append("calibration (predicted → observed, count):")
    lines += [
        f"  {b['low']:.1f}–{b['high']:.1f}: {_share(b['predicted'])} → {_share(b['observed'])}"
        f" ({b['count']:,})"
        for b in data["calibration"]
    ]
    lines += [f"{key}: {text}" for key, text in data["definitions"].items()]
    return lines
