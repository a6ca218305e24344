"""An assessment's findings as the pages show them: grouped by category, or the rules' own
verdicts without the analysts'. (What changed between two assessments: diligence.changes.)"""

from __future__ import annotations

from diligence.models import Finding
from diligence.rules import CATEGORIES, RULES


def findings_by_category(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped under the checklist's categories (manual findings last), each with its
    rule attached as `finding.rule` (None for an analyst's manual finding)."""
    groups: dict[str, list[Finding]] = {title: [] for title in CATEGORIES.values()}
    manual: list[Finding] = []
    for finding in findings:
        finding.rule = rule = RULES.get(finding.rule_code)
        (groups[CATEGORIES[rule.category]] if rule else manual).append(finding)
    result = [(title, items) for title, items in groups.items() if items]
    if manual:
        result.append(("Analyst findings", manual))
    return result


def automatic_findings(findings: list[Finding]) -> list[Finding]:
    """The rules' own verdicts, without the analysts' manual findings, overrides and notes."""
    shown = []
    for finding in findings:
        if finding.rule_code.startswith("manual.") or not finding.automatic_outcome:
            continue
        finding.outcome = finding.automatic_outcome
        finding.review = None
        finding.stale_review = None
        shown.append(finding)
    return shown
