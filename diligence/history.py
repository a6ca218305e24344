"""How an offering's assessment moved: which findings changed between two assessments."""

from __future__ import annotations

from dataclasses import dataclass

from diligence.models import Assessment, Finding
from diligence.rules import CATEGORIES, RULES


@dataclass(frozen=True)
class FindingChange:
    rule_code: str
    before: str | None  # outcome, None when the rule did not exist before
    after: str | None
    evidence_before: str
    evidence_after: str


def assessment_changes(previous: Assessment, current: Assessment) -> list[FindingChange]:
    """Findings whose outcome or evidence differs, in checklist order (2 queries)."""
    before = {f.rule_code: f for f in previous.findings.all()}
    after = {f.rule_code: f for f in current.findings.all()}
    order = {code: index for index, code in enumerate(RULES)}
    changes = []
    for code in sorted(before.keys() | after.keys(), key=lambda c: (order.get(c, len(order)), c)):
        old, new = before.get(code), after.get(code)
        if old and new and (old.outcome, old.evidence) == (new.outcome, new.evidence):
            continue
        changes.append(
            FindingChange(
                rule_code=code,
                before=old.outcome if old else None,
                after=new.outcome if new else None,
                evidence_before=old.evidence if old else "",
                evidence_after=new.evidence if new else "",
            )
        )
    return changes


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
