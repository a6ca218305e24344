"""Checking the score against real outcomes: AUC, precision at k and each rule's lift.

A label says, for some offerings, whether a good outcome happened (1) or not (0) — for the TORD
data set, whether the token reached CoinMarketCap. A useful score ranks good outcomes higher.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from diligence.models import Assessment, findings_from_json
from diligence.vocabulary import FLAG, PASS, UNKNOWN
from offerings.models import Offering


@dataclass
class RuleLift:
    code: str
    flagged: int
    flagged_positive_rate: float | None
    passed: int
    passed_positive_rate: float | None
    unknown: int

    @property
    def lift(self) -> float | None:
        """Outcome rate when passed over the rate when flagged (> 1: the flag warns rightly)."""
        if not self.flagged_positive_rate or self.passed_positive_rate is None:
            return None
        return self.passed_positive_rate / self.flagged_positive_rate


@dataclass
class BacktestResult:
    labelled: int
    positives: int
    auc: float | None
    coverage_auc: float | None
    precision_at: dict[int, float] = field(default_factory=dict)
    base_rate: float = 0.0
    rules: list[RuleLift] = field(default_factory=list)


def auc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half)."""
    pairs = sorted(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    rank_sum, index = 0.0, 0
    while index < len(pairs):
        end = index
        while end < len(pairs) and pairs[end][0] == pairs[index][0]:
            end += 1
        average_rank = (index + 1 + end) / 2  # ranks are 1-based; ties share the mean rank
        rank_sum += average_rank * sum(label for _, label in pairs[index:end])
        index = end
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def precision_at_k(scores: Sequence[float], labels: Sequence[int], k: int) -> float:
    """Share of good outcomes among the k best-scored offerings. Offerings tied with the k-th
    count at their group's rate (what a random order among equals would give on average), so
    the figure never depends on which of several equal scores happens to come first."""
    pairs = sorted(zip(scores, labels, strict=True), key=lambda pair: -pair[0])
    k = min(k, len(pairs))
    if not k:
        return 0.0
    boundary = pairs[k - 1][0]
    above = [label for score, label in pairs if score > boundary]
    tied = [label for score, label in pairs if score == boundary]
    taken = k - len(above)
    return (sum(above) + taken * sum(tied) / len(tied)) / k


def labels_from_field(field_name: str) -> dict[int, int]:
    """Label 1 where the offering's field has a value, 0 where it is empty (e.g. raised_usd)."""
    Offering._meta.get_field(field_name)  # fail loudly on a field that does not exist
    return {
        pk: int(value not in (None, "", []))
        for pk, value in Offering.objects.values_list("pk", field_name)
    }


def labels_from_file(path: Path) -> dict[int, int]:
    """Labels from a CSV: either `slug,label` columns, or a TORD file (outcome: the
    Coinmarketcap_identifier column is filled), matched by name and symbol."""
    from offerings.tord import open_tord

    rows = list(csv.DictReader(open_tord(path)))
    if rows and "slug" in rows[0] and "label" in rows[0]:
        return _labels_by_slug(path, rows)
    if rows and "Coinmarketcap_identifier" in rows[0]:
        return _labels_by_listing(rows)
    raise ValueError(f"{path}: needs slug,label columns or a TORD Coinmarketcap_identifier column")


def _labels_by_slug(path: Path, rows: list[dict[str, str]]) -> dict[int, int]:
    ids = dict(Offering.objects.values_list("slug", "pk"))
    labels: dict[int, int] = {}
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        label = (row["label"] or "").strip()
        if label not in ("0", "1"):
            raise ValueError(f"{path}, line {line}: label {label!r} is not 0 or 1")
        if row["slug"] in ids:
            labels[ids[row["slug"]]] = int(label)
    return labels


def tord_key(row: dict[str, str]) -> tuple[str, str]:
    """The (name, symbol) a TORD row is imported under, folded for matching."""
    from offerings.tord import NULL_MARKERS, _symbol

    def cell(column: str) -> str:
        # The same blanks as the import: "NA" (tord_v2) or "Unknown" mean no value.
        value = (row.get(column) or "").strip()
        return "" if value.casefold() in NULL_MARKERS else value

    try:
        symbol = _symbol(cell("token")) if cell("token") else ""
    except ValueError:
        symbol = ""  # the import keeps an unreadable ticker as no symbol
    return cell("name").casefold(), symbol.casefold()


def _filled(value: str | None) -> bool:
    from offerings.tord import NULL_MARKERS

    return (value or "").strip().casefold() not in NULL_MARKERS


def _labels_by_listing(rows: list[dict[str, str]]) -> dict[int, int]:
    ids = {
        (name.casefold(), symbol.casefold()): pk
        for pk, name, symbol in Offering.objects.values_list("pk", "name", "symbol")
    }
    labels: dict[int, int] = {}
    for row in rows:
        pk = ids.get(tord_key(row))
        if pk is not None:
            listed = int(_filled(row.get("Coinmarketcap_identifier")))
            labels[pk] = max(labels.get(pk, 0), listed)  # a project listed twice is listed
    return labels


def backtest(labels: dict[int, int], ks: Sequence[int] = (100, 500, 1000)) -> BacktestResult:
    """Score the current assessments of the labelled offerings against their labels."""
    current = {
        offering_id: (float(score), float(coverage), assessment_id)
        for assessment_id, offering_id, score, coverage in Assessment.objects.current()
        .filter(offering_id__in=list(labels), score__isnull=False)
        .values_list("id", "offering_id", "score", "coverage")
        .iterator(chunk_size=5000)
    }
    ids = sorted(current)
    scores = [current[pk][0] for pk in ids]
    coverages = [current[pk][1] for pk in ids]
    outcome = [labels[pk] for pk in ids]
    result = BacktestResult(
        labelled=len(ids),
        positives=sum(outcome),
        auc=auc(scores, outcome),
        coverage_auc=auc(coverages, outcome),
        base_rate=sum(outcome) / len(ids) if ids else 0.0,
        precision_at={k: precision_at_k(scores, outcome, k) for k in ks if k <= len(ids)},
    )
    label_by_assessment = {current[pk][2]: labels[pk] for pk in ids}
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    stored = Assessment.objects.current().filter(offering_id__in=ids)
    for assessment_id, findings in stored.values_list("pk", "findings_json").iterator(
        chunk_size=2000
    ):
        label = label_by_assessment[assessment_id]
        for finding in findings_from_json(findings):
            tally = counts[finding.rule_code][finding.outcome]
            tally[0] += 1
            tally[1] += label
    for code in sorted(counts):
        flagged, passed = counts[code][FLAG], counts[code][PASS]
        result.rules.append(
            RuleLift(
                code=code,
                flagged=flagged[0],
                flagged_positive_rate=flagged[1] / flagged[0] if flagged[0] else None,
                passed=passed[0],
                passed_positive_rate=passed[1] / passed[0] if passed[0] else None,
                unknown=counts[code][UNKNOWN][0],
            )
        )
    return result


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def report_lines(result: BacktestResult) -> list[str]:
    """The figures as printable lines: outcome counts, AUC, precision at k, the rule table."""
    lines: list[str | None] = [
        f"labelled offerings: {result.labelled:,}; good outcomes: {result.positives:,} "
        f"(base rate {_pct(result.base_rate)})",
        f"AUC of the score: {result.auc:.3f}" if result.auc is not None else "AUC: undefined",
        f"AUC of coverage alone (how much is known): {result.coverage_auc:.3f}"
        if result.coverage_auc is not None
        else None,
    ]
    for k, value in result.precision_at.items():
        lines.append(f"precision at {k}: {_pct(value)} (base rate {_pct(result.base_rate)})")
    lines += [
        "",
        f"{'rule':34} {'flagged':>8} {'rate':>7} {'passed':>8} {'rate':>7} "
        f"{'unknown':>8} {'lift':>6}",
    ]
    for lift in result.rules:
        value = "—" if lift.lift is None else f"{Decimal(lift.lift).quantize(Decimal('0.01'))}"
        lines.append(
            f"{lift.code:34} {lift.flagged:>8,} {_pct(lift.flagged_positive_rate):>7} "
            f"{lift.passed:>8,} {_pct(lift.passed_positive_rate):>7} {lift.unknown:>8,} {value:>6}"
        )
    return [line for line in lines if line is not None]
