"""The methodology as data and as text: every rule's code, title, weight, rationale and source."""

from __future__ import annotations

from typing import Any

from diligence.rules import CATEGORIES, RULES
from diligence.scoring import (
    METHODOLOGY_VERSION,
    current_weights,
    fingerprint,
    rule_points,
)
from diligence.vocabulary import GRADE_FLOORS, RISK_FLOORS, Grade


def methodology() -> dict[str, Any]:
    weights = current_weights()
    return {
        "version": METHODOLOGY_VERSION,
        "fingerprint": fingerprint(),
        "scoring": {
            "formula": "100 − Σ points of the flagged rules, clipped to 0–100",
            "points": "additive log-odds of a bad outcome, ten points per unit, learned from "
            "outcomes and shrunk towards the guides' severities",
            "probability": weights.document["outcome"]["probability"],
            "grades": {label: str(floor) for floor, label in GRADE_FLOORS} | {Grade.F.value: "0"},
            "risk_floors": {label: str(floor) for floor, label in RISK_FLOORS},
            "critical_flag": "caps the grade at D and makes the risk critical",
            "thin_coverage": "a coverage under 50% caps the grade at C and the risk at medium",
        },
        "outcome": weights.document["outcome"],
        "model": weights.document.get("model", {}),
        "validation": weights.document.get("validation", {}),
        "rules": [
            {
                "code": rule.code,
                "title": rule.title,
                "category": rule.category,
                "category_title": CATEGORIES[rule.category],
                "severity": rule.severity.value,
                "weight": rule.weight,
                "flag_points": str(rule_points(rule.code, rule.weight)[0]),
                "unknown_points": str(rule_points(rule.code, rule.weight)[1]),
                "fitted": code_fitted(rule.code),
                "fit": weights.document["rules"].get(rule.code, {}),
                "rationale": rule.rationale,
                "source": rule.source,
            }
            for rule in RULES.values()
        ],
    }


def code_fitted(code: str) -> bool:
    return code in current_weights().rules


def methodology_markdown() -> str:
    data = methodology()
    lines = [
        f"# Offerwatch red-flag checklist — methodology {data['version']}",
        "",
        f"Score = {data['scoring']['formula']}. Points are {data['scoring']['points']}. "
        "Any critical flag caps the grade at D.",
        "",
    ]
    for category, title in CATEGORIES.items():
        lines += [
            f"## {title}",
            "",
            "| code | title | severity | points if flagged | points if unknown | why it matters "
            "| source |",
        ]
        lines.append("|---|---|---|---|---|---|---|")
        for rule in data["rules"]:
            if rule["category"] == category:
                lines.append(
                    f"| `{rule['code']}` | {rule['title']} | {rule['severity']} | "
                    f"{rule['flag_points']} | {rule['unknown_points']} | {rule['rationale']} | "
                    f"{rule['source']} |"
                )
        lines.append("")
    return "\n".join(lines)
