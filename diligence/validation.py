"""Fitting the methodology's weights on labelled offerings, and checking them as a sceptic would.

In-sample AUC is not a result. The figures that count are out of time (fit on sales that started
before a cut-off, test on those after) and per source (within each source, and leaving each
source out of the fit), each with a bootstrap 95% interval, beside two baselines measured on the
same offerings: a plain count of flags and the guide-based priors without any fitting.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from diligence import calibration as cal
from diligence.backtest import precision_at_k
from diligence.calibration import Design, Fit
from diligence.facts import fact_batches
from diligence.rules import RULES
from diligence.vocabulary import SEVERITY_WEIGHTS
from offerings.models import Offering

# Rules the fit leaves at their guide-based prior, and why (shown on the methodology page).
NOT_FITTED = {
    "market": "post-sale market facts would leak the outcome into what the score said at sale "
    "end; they keep their guide-based points",
    "legal.security_unregistered": "security tokens rarely reach CoinMarketCap by design (they "
    "trade on regulated venues), so a listing label cannot judge this rule",
}
DEFAULT_CUTOFF = dt.date(2018, 7, 1)
KS = (100, 500, 1000)
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class LabelSet:
    """Outcomes of some offerings: good (1) or not (0), each with the source it came from."""

    good: dict[int, int]
    groups: dict[int, str]
    definition: str


def label_set(label: str) -> LabelSet:
    """Labels from an offering field (1 where filled) or a CSV file: `slug,label[,source]`, or a
    TORD file (good: the token reached CoinMarketCap; source: its `Source` column)."""
    from diligence.backtest import labels_from_field, labels_from_file

    path = Path(label)
    if not path.is_file():
        good = labels_from_field(label)
        return LabelSet(good, dict.fromkeys(good, "all"), f"the offering's {label} is filled")
    good = labels_from_file(path)
    return LabelSet(good, _groups_from_file(path, good), _definition(path))


def _definition(path: Path) -> str:
    from offerings.tord import open_tord

    header = next(csv.reader(open_tord(path)[:1]), [])
    if "Coinmarketcap_identifier" in header:
        return "the token reached a listing tracked by CoinMarketCap (TORD's outcome)"
    return f"label 1 in {path.name}"


def _groups_from_file(path: Path, good: dict[int, int]) -> dict[int, str]:
    from diligence.backtest import tord_key
    from offerings.tord import SOURCE_RANK, open_tord

    rows = list(csv.DictReader(open_tord(path)))
    if rows and "Source" in rows[0]:
        # The importer merges a project's rows with the richest source winning; so do we.
        by_name = {
            (name.casefold(), (symbol or "").casefold()): pk
            for pk, name, symbol in Offering.objects.filter(pk__in=list(good)).values_list(
                "pk", "name", "symbol"
            )
        }
        groups: dict[int, str] = {}
        for row in rows:
            pk = by_name.get(tord_key(row))
            source = (row.get("Source") or "").strip() or "unknown"
            if pk is not None and (
                pk not in groups or SOURCE_RANK.get(source, 9) < SOURCE_RANK.get(groups[pk], 9)
            ):
                groups[pk] = source
        return {pk: groups.get(pk, "unknown") for pk in good}
    if rows and "source" in rows[0]:
        slugs = dict(Offering.objects.filter(pk__in=list(good)).values_list("slug", "pk"))
        named = {slugs[row["slug"]]: row["source"] or "all" for row in rows if row["slug"] in slugs}
        return {pk: named.get(pk, "all") for pk in good}
    return dict.fromkeys(good, "all")


def fitted_codes() -> list[str]:
    return [
        code
        for code, rule in RULES.items()
        if rule.category not in NOT_FITTED and code not in NOT_FITTED
    ]


def labelled_design(labels: LabelSet, codes: Sequence[str] | None = None) -> Design:
    """Every labelled offering's rule outcomes as they stood at sale end: its facts without the
    market data (which would tell the outcome), one row per offering, in id order."""
    codes = list(codes or fitted_codes())
    checks = [(code, RULES[code].check) for code in codes]
    rows = []
    queryset = Offering.objects.filter(pk__in=sorted(labels.good))
    for batch in fact_batches(queryset):
        for facts in batch:
            facts = replace(facts, market=None)
            outcomes = {code: check(facts)[0] for code, check in checks}
            rows.append(
                (
                    outcomes,
                    1 - labels.good[facts.offering_id],
                    labels.groups[facts.offering_id],
                    facts.start_date or facts.end_date,
                )
            )
    return cal.design_from(rows, codes, [SEVERITY_WEIGHTS[RULES[code].severity] for code in codes])


def validate(
    design: Design, *, cutoff: dt.date = DEFAULT_CUTOFF, samples: int = 200, seed: int = 2026
) -> dict[str, Any]:
    """The full report: in sample, out of time, per source, precision, calibration, rules."""
    good = 1 - design.bad
    train_mask, test_mask = design.before(cutoff), design.from_(cutoff)
    train, test = design.subset(train_mask), design.subset(test_mask)
    rng = np.random.default_rng(seed)
    report: dict[str, Any] = {
        "labelled": len(design),
        "positives": int(good.sum()),
        "base_rate": _round(good.mean()) if len(design) else None,
        "sources": {g: int((design.groups == g).sum()) for g in sorted(set(design.groups))},
        "cutoff": cutoff.isoformat(),
        "train": len(train),
        "test": len(test),
    }
    lam = cal.choose_lambda(design)
    full = cal.fit(design, lam)
    full_scores = -full.risk(design)
    report["lambda"] = lam
    report["auc_in_sample"] = _round(cal.auc(full_scores, good))
    report["auc_in_sample_within_source"] = _round(
        cal.grouped_auc(full_scores, good, design.groups)
    )
    if len(train) and len(test) and len(set(test.bad)) == 2:
        report |= _out_of_time(train, test, rng, samples)
    report["auc_by_source"] = _by_source(design, test_mask, report.get("_oot_fit"), lam)
    report.pop("_oot_fit", None)
    boot = cal.bootstrap_fits(design, lam, samples, seed)
    report["rules"] = _rules(design, test_mask, full, boot[0], boot[1], samples)
    report["_bootstrap_calibrations"] = boot[2]
    return report


def _out_of_time(train: Design, test: Design, rng, samples: int) -> dict[str, Any]:
    lam = cal.choose_lambda(train)
    model = cal.fit(train, lam)
    test_good = 1 - test.bad
    scores = -model.risk(test)
    count = -test.flags.sum(axis=1)
    prior_flag, prior_unknown = cal.priors(test)
    prior_scores = -(test.flags @ prior_flag + test.unknowns @ prior_unknown)
    calibration = cal.calibrate(model.risk(train), 1 - train.bad)
    predicted = np.asarray(calibration.probability(model.risk(test)))
    return {
        "_oot_fit": model,
        "lambda_out_of_time": lam,
        "auc_out_of_time": _round(cal.auc(scores, test_good)),
        "auc_out_of_time_ci": _auc_ci(scores, test_good, None, rng, samples),
        "auc_out_of_time_within_source": _round(cal.grouped_auc(scores, test_good, test.groups)),
        "auc_out_of_time_within_source_ci": _auc_ci(scores, test_good, test.groups, rng, samples),
        "baselines_out_of_time": {
            "flag_count": {
                "auc": _round(cal.auc(count, test_good)),
                "auc_within_source": _round(cal.grouped_auc(count, test_good, test.groups)),
            },
            "guide_priors": {
                "auc": _round(cal.auc(prior_scores, test_good)),
                "auc_within_source": _round(cal.grouped_auc(prior_scores, test_good, test.groups)),
            },
        },
        "test_base_rate": _round(test_good.mean()),
        "precision_at_k": {
            str(k): _round(_precision_at(scores, test_good, k)) for k in KS if k <= len(test)
        },
        "calibration": _calibration_bins(predicted, test_good),
        "brier_out_of_time": _round(float(np.mean((predicted - test_good) ** 2))),
        "roc": _roc_points(scores, test_good),
    }


def _by_source(
    design: Design, test_mask: np.ndarray, oot_fit: Fit | None, lam: float
) -> dict[str, Any]:
    good = 1 - design.bad
    result: dict[str, Any] = {}
    for group in sorted(set(design.groups)):
        inside = design.groups == group
        entry: dict[str, Any] = {
            "labelled": int(inside.sum()),
            "base_rate": _round(good[inside].mean()),
        }
        if oot_fit is not None:
            held = inside & test_mask
            entry["out_of_time"] = _round(cal.auc(-oot_fit.risk(design.subset(held)), good[held]))
            entry["out_of_time_n"] = int(held.sum())
        others = design.subset(~inside)
        if len(set(others.bad)) == 2 and len(set(design.bad[inside])) == 2:
            model = cal.fit(others, lam)
            mine = design.subset(inside)
            entry["leave_source_out"] = _round(cal.auc(-model.risk(mine), 1 - mine.bad))
        result[group] = entry
    return result


def _rules(
    design: Design,
    test_mask: np.ndarray,
    full: Fit,
    flags_boot: np.ndarray,
    unknowns_boot: np.ndarray,
    samples: int,
) -> list[dict[str, Any]]:
    prior_flag, prior_unknown = cal.priors(design)
    good = 1 - design.bad
    rules = []
    for index, code in enumerate(design.codes):
        flagged = design.flags[:, index] == 1
        unknown = design.unknowns[:, index] == 1
        passed = ~flagged & ~unknown
        entry = {
            "code": code,
            "flagged": int(flagged.sum()),
            "passed": int(passed.sum()),
            "unknown": int(unknown.sum()),
            "good_rate_flagged": _round(good[flagged].mean()) if flagged.any() else None,
            "good_rate_passed": _round(good[passed].mean()) if passed.any() else None,
            "lift": _lift(good, flagged, passed, design.groups),
            "lift_out_of_time": _lift(good, flagged & test_mask, passed & test_mask, design.groups),
            "flag_logit": _round(full.flag[index]),
            "flag_logit_ci": _percentiles(flags_boot[:, index]) if samples else None,
            "unknown_logit": _round(full.unknown[index]),
            "gap_logit": _round(full.gap[index]),
            "unknown_logit_ci": _percentiles(unknowns_boot[:, index]) if samples else None,
            "prior_flag_logit": _round(prior_flag[index]),
            "prior_unknown_logit": _round(prior_unknown[index]),
        }
        rules.append(entry)
    return rules


def _lift(
    good: np.ndarray, flagged: np.ndarray, passed: np.ndarray, groups: np.ndarray
) -> dict[str, Any] | None:
    """Good-outcome rate when passed ÷ when flagged (> 1: the flag warns rightly), compared
    within each source and pooled (Mantel–Haenszel), with a 95% interval (Greenland–Robins)."""
    numerator = denominator = variance = 0.0
    for group in set(groups[flagged | passed]):
        inside = groups == group
        a, n1 = float(good[passed & inside].sum()), float((passed & inside).sum())
        b, n2 = float(good[flagged & inside].sum()), float((flagged & inside).sum())
        total = n1 + n2
        if not (n1 and n2):
            continue  # a source that never flags (or never passes) this rule says nothing
        numerator += a * n2 / total
        denominator += b * n1 / total
        variance += (n1 * n2 * (a + b) - a * b * total) / total**2
    if not (numerator and denominator):
        return None
    ratio = numerator / denominator
    se = math.sqrt(max(variance / (numerator * denominator), 0.0))
    return {
        "value": _round(ratio),
        "ci": [_round(ratio * math.exp(-1.96 * se)), _round(ratio * math.exp(1.96 * se))],
        "flagged": int(flagged.sum()),
        "passed": int(passed.sum()),
        "within": "source",
    }


def _auc_ci(scores, good, groups, rng, samples: int) -> list[float] | None:
    if not samples:
        return None
    values = []
    n = len(scores)
    for _ in range(samples):
        index = rng.integers(0, n, n)
        value = (
            cal.auc(scores[index], good[index])
            if groups is None
            else cal.grouped_auc(scores[index], good[index], groups[index])
        )
        if value is not None:
            values.append(value)
    return _percentiles(np.array(values)) if values else None


def _precision_at(scores: np.ndarray, good: np.ndarray, k: int) -> float:
    """Share of good outcomes among the k best-scored, ties with the k-th at their rate."""
    return precision_at_k(list(scores), list(good), k)


def _calibration_bins(predicted: np.ndarray, good: np.ndarray) -> list[dict[str, Any]]:
    """Predicted against observed in equal-count bins of the prediction (a reliability table)."""
    order = np.argsort(predicted, kind="mergesort")
    bins = []
    for chunk in np.array_split(order, min(CALIBRATION_BINS, len(order))):
        if len(chunk):
            bins.append(
                {
                    "predicted": _round(predicted[chunk].mean()),
                    "observed": _round(good[chunk].mean()),
                    "n": len(chunk),
                }
            )
    return bins


def _roc_points(scores: np.ndarray, good: np.ndarray, points: int = 60) -> list[list[float]]:
    """(false positive rate, true positive rate) pairs for the ROC chart, thinned evenly."""
    order = np.argsort(-scores, kind="mergesort")
    ranked = good[order]
    positives, negatives = ranked.sum(), len(ranked) - ranked.sum()
    if not positives or not negatives:
        return []
    tpr = np.concatenate([[0.0], np.cumsum(ranked) / positives])
    fpr = np.concatenate([[0.0], np.cumsum(1 - ranked) / negatives])
    keep = np.unique(np.linspace(0, len(tpr) - 1, points).round().astype(int))
    return [[_round(fpr[i]), _round(tpr[i])] for i in keep]


def _percentiles(values: np.ndarray) -> list[float]:
    return [_round(np.percentile(values, 2.5)), _round(np.percentile(values, 97.5))]


def _round(value, places: int = 4):
    return None if value is None else round(float(value), places)


def weights_document(
    design: Design,
    labels: LabelSet,
    report: dict[str, Any],
    *,
    version: str,
    samples: int,
    seed: int = 2026,
) -> dict[str, Any]:
    """The committed weights file: points per rule, the calibration and how they were earned."""
    lam = report["lambda"]
    full = cal.fit(design, lam)
    risk = full.risk(design)
    calibration = cal.calibrate(risk, 1 - design.bad)
    calibrations = report.get("_bootstrap_calibrations", [])
    by_code = {rule["code"]: rule for rule in report["rules"]}
    rules: dict[str, Any] = {}
    for index, code in enumerate(design.codes):
        entry = by_code[code]
        if not entry["flagged"]:
            # No labelled offering was flagged: the data cannot move the prior.
            rules[code] = {
                "fitted": False,
                "reason": "never flagged among the labelled offerings; guide-based prior",
                "passed": entry["passed"],
                "unknown": entry["unknown"],
            }
            continue
        rules[code] = {
            "fitted": True,
            "flag_points": _points(full.flag[index]),
            "unknown_points": _points(full.unknown[index]),
            "prior_flag_points": _points(entry["prior_flag_logit"]),
            "prior_unknown_points": _points(entry["prior_unknown_logit"]),
            "flag_points_ci": [_points(v) for v in entry["flag_logit_ci"] or []] or None,
            "unknown_points_ci": [_points(v) for v in entry["unknown_logit_ci"] or []] or None,
            "flagged": entry["flagged"],
            "unknown": entry["unknown"],
            "lift": entry["lift"],
            "lift_out_of_time": entry["lift_out_of_time"],
        }
    for code, rule in RULES.items():
        if code not in rules:
            reason = NOT_FITTED.get(code) or NOT_FITTED.get(rule.category) or "not in the fit"
            rules[code] = {"fitted": False, "reason": reason}
    summary_keys = (
        "labelled", "positives", "base_rate", "sources", "cutoff", "train", "test", "lambda",
        "auc_in_sample", "auc_in_sample_within_source", "auc_out_of_time", "auc_out_of_time_ci",
        "auc_out_of_time_within_source", "auc_out_of_time_within_source_ci",
        "baselines_out_of_time", "test_base_rate", "precision_at_k", "calibration",
        "brier_out_of_time", "roc", "auc_by_source",
    )  # fmt: skip
    return {
        "methodology": version,
        "outcome": {
            "definition": labels.definition,
            "good": "label 1",
            "probability": f"chance that {labels.definition}, for an offering like those fitted",
        },
        "model": {
            "points_per_logit": cal.POINTS_PER_LOGIT,
            "prior_logit_per_severity_weight": cal.PRIOR_LOGIT_PER_WEIGHT,
            "unknown_prior_share": cal.UNKNOWN_PRIOR_SHARE,
            "flag_ceiling": cal.FLAG_CEILING,
            "gaps": "nuisance terms in the fit; unknowns cost no points in the score",
            "lambda": lam,
            "baselines_by_source": {g: _round(v) for g, v in full.baselines.items()},
            "bootstrap_samples": samples,
            "seed": seed,
        },
        "calibration": {
            "intercept": _round(calibration.intercept, 6),
            "slope": _round(calibration.slope, 6),
            "bootstrap": [[_round(c.intercept, 5), _round(c.slope, 5)] for c in calibrations],
        },
        "validation": {key: report[key] for key in summary_keys if key in report},
        "rules": rules,
    }


def _points(logit: float | None) -> float | None:
    if logit is None:
        return None
    return round(float(logit) * cal.POINTS_PER_LOGIT, 1)


def report_lines(validation: dict[str, Any]) -> list[str]:
    """The headline figures of a validation report, printable."""

    def ci(values) -> str:
        return f" (95% CI {values[0]:.3f}–{values[1]:.3f})" if values else ""

    def num(value) -> str:
        return "—" if value is None else f"{value:.3f}"

    lines = [
        f"labelled offerings: {validation['labelled']:,}; good outcomes: "
        f"{validation['positives']:,} (base rate {num(validation['base_rate'])}); sources: "
        + ", ".join(f"{name} {n:,}" for name, n in validation["sources"].items()),
        f"shrinkage λ = {validation['lambda']}",
        f"AUC in sample: {num(validation['auc_in_sample'])} "
        f"(within source {num(validation['auc_in_sample_within_source'])}) — not a result",
    ]
    if "auc_out_of_time" in validation:
        baselines = validation["baselines_out_of_time"]
        lines += [
            f"out of time: fit on {validation['train']:,} sales started before "
            f"{validation['cutoff']}, tested on {validation['test']:,} after",
            f"  AUC {num(validation['auc_out_of_time'])}{ci(validation['auc_out_of_time_ci'])}",
            f"  AUC within source {num(validation['auc_out_of_time_within_source'])}"
            f"{ci(validation['auc_out_of_time_within_source_ci'])}",
            f"  baselines: flag count {num(baselines['flag_count']['auc'])} "
            f"(within source {num(baselines['flag_count']['auc_within_source'])}), "
            f"guide priors {num(baselines['guide_priors']['auc'])} "
            f"(within source {num(baselines['guide_priors']['auc_within_source'])})",
            "  precision at k: "
            + ", ".join(f"{k}: {num(v)}" for k, v in validation["precision_at_k"].items())
            + f" (base rate {num(validation['test_base_rate'])})",
            f"  Brier score {num(validation['brier_out_of_time'])}",
        ]
    for source, entry in validation.get("auc_by_source", {}).items():
        lines.append(
            f"source {source}: {entry['labelled']:,} labelled, "
            f"base rate {num(entry['base_rate'])}, "
            f"out-of-time AUC {num(entry.get('out_of_time'))}, "
            f"left out of the fit {num(entry.get('leave_source_out'))}"
        )
    return lines
