"""An assessment's findings as the pages show them: grouped by category, or the rules' own
verdicts without the analysts'. (What changed between two assessments: diligence.changes.)"""

from __future__ import annotations

from django.db.models import Q

from diligence.models import Finding, FindingReview
from diligence.rules import CATEGORIES, RULES


def finding_reviews_attach(
    findings: list[Finding], *, also: Q | None = None, related: tuple[str, ...] = ()
) -> list[FindingReview]:
    """Give each reviewed finding its review as `finding.review` (one query, none when no
    finding is reviewed and there is no `also`); a finding whose review was deleted since loses
    the link. Reviews matching `also` come back too, not attached."""
    ids = {f.review_id for f in findings if f.review_id is not None}
    if not ids and also is None:
        return []
    condition = Q(pk__in=ids) | also if also is not None else Q(pk__in=ids)
    reviews = list(FindingReview.objects.filter(condition).select_related(*related))
    by_id = {review.pk: review for review in reviews}
    for finding in findings:
        if finding.review_id is not None:
            finding.review = review = by_id.get(finding.review_id)
            finding.review_id = None if review is None else review.pk
    return [review for review in reviews if review.pk not in ids]


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
