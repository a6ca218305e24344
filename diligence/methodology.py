"""The methodology as data and as text: every rule's code, title, weight, rationale and source."""

from __future__ import annotations

from typing import Any

from diligence.rules import CATEGORIES, RULES
from diligence.scoring import GRADES, METHODOLOGY_VERSION, RISKS, UNKNOWN_PENALTY, fingerprint


def methodology() -> dict[str, Any]:
    return {
        "version": METHODOLOGY_VERSION,
        "fingerprint": fingerprint(),
        "scoring": {
            "formula": "100 × (1 − (Σ flagged weight + ¼ · Σ unknown weight) "
            "/ Σ applicable weight)",
            "unknown_penalty": str(UNKNOWN_PENALTY),
            "grades": {label: str(floor) for floor, label in GRADES} | {"F": "0"},
            "risk_floors": {label: str(floor) for floor, label in RISKS},
            "critical_flag": "caps the grade at D and makes the risk critical",
        },
        "rules": [
            {
                "code": rule.code,
                "title": rule.title,
                "category": rule.category,
                "category_title": CATEGORIES[rule.category],
                "severity": rule.severity.value,
                "weight": rule.weight,
                "rationale": rule.rationale,
                "source": rule.source,
            }
            for rule in RULES.values()
        ],
    }


def methodology_markdown() -> str:
    data = methodology()
    lines = [
        f"# Offerwatch red-flag checklist — methodology {data['version']}",
        "",
        f"Score = {data['scoring']['formula']}, clipped to 0–100. "
        "Any critical flag caps the grade at D.",
        "",
    ]
    for category, title in CATEGORIES.items():
        lines += [
            f"## {title}",
            "",
            "| code | title | severity | weight | why it matters | source |",
        ]
        lines.append("|---|---|---|---|---|---|")
        for rule in data["rules"]:
            if rule["category"] == category:
                lines.append(
                    f"| `{rule['code']}` | {rule['title']} | {rule['severity']} | "
                    f"{rule['weight']} | {rule['rationale']} | {rule['source']} |"
                )
        lines.append("")
    return "\n".join(lines)
