"""Offerings side by side: the key sale terms and the checklist, rule by rule."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.shortcuts import render
from django.views.decorators.http import require_GET

from analyst.access import browse_required
from diligence.models import Assessment, findings_from_json
from diligence.roles import is_team
from diligence.rules import CATEGORIES, RULES
from diligence.selectors import offerings_with_assessment
from diligence.vocabulary import Outcome
from offerings.amounts import canonical, readable
from offerings.models import Offering

MIN_COMPARED, MAX_COMPARED = 2, 4
OUTCOME_LABELS = dict(Outcome.choices)


@dataclass(frozen=True)
class Cell:
    outcome: str  # "" when the offering has no finding for the rule
    label: str
    evidence: str
    overridden: bool


@dataclass(frozen=True)
class Row:
    label: str
    code: str
    cells: list[Any]
    differs: bool


@require_GET
@browse_required
def offering_compare(request):
    slugs = list(dict.fromkeys(slug.strip() for slug in request.GET.getlist("o") if slug.strip()))
    context: dict[str, Any] = {"slugs": slugs, "max_compared": MAX_COMPARED}
    if len(slugs) > MAX_COMPARED:
        context["problem"] = (
            f"Compare at most {MAX_COMPARED} offerings at a time; {len(slugs)} were given "
            f"({', '.join(slugs)}). Remove some and try again."
        )
        return render(request, "analyst/compare.html", context, status=400)
    found = {
        offering.slug: offering
        for offering in offerings_with_assessment(
            Offering.objects.filter(slug__in=slugs).with_status()
        ).select_related("venue")
    }
    offerings = [found[slug] for slug in slugs if slug in found]
    context["missing"] = [slug for slug in slugs if slug not in found]
    context["offerings"] = offerings
    context["columns"] = [
        (offering, _query([slug for slug in slugs if slug != offering.slug]))
        for offering in offerings
    ]
    if len(offerings) < MIN_COMPARED:
        context["problem"] = (
            f"Choose at least {MIN_COMPARED} offerings to compare "
            f"(up to {MAX_COMPARED}): add them by slug below, e.g. ?o=first-sale&o=second-sale."
        )
        return render(request, "analyst/compare.html", context)
    context["term_rows"] = term_rows(offerings)
    context["rule_groups"] = rule_groups(offerings, team=is_team(request.user))
    context["differing_rules"] = sum(
        row.differs for _, rows in context["rule_groups"] for row in rows
    )
    return render(request, "analyst/compare.html", context)


def _query(slugs: list[str]) -> str:
    return "?" + urlencode([("o", slug) for slug in slugs]) if slugs else "?"


def _differs(values: list[Any]) -> bool:
    return len(set(values)) > 1


def rule_groups(offerings: list[Offering], *, team: bool = True) -> list[tuple[str, list[Row]]]:
    """Each rule's current outcome per offering, grouped by category in checklist order, then
    the analysts' manual findings (1 query). Outside the team: the automatic outcomes only."""
    by_offering: dict[int, dict[str, Cell]] = defaultdict(dict)
    rows = (
        Assessment.objects.current()
        .filter(offering__in=offerings)
        .values_list("offering_id", "findings_json")
    )
    findings = (
        (offering_id, f.rule_code, f.outcome, f.automatic_outcome, f.evidence)
        for offering_id, stored in rows
        for f in findings_from_json(stored)
    )
    for offering_id, code, outcome, automatic, evidence in findings:
        if not team:
            if code not in RULES or not automatic:
                continue
            outcome = automatic
        overridden = bool(automatic) and automatic != outcome
        by_offering[offering_id][code] = Cell(
            outcome, OUTCOME_LABELS[outcome], evidence, overridden
        )
    groups: dict[str, list[Row]] = {title: [] for title in CATEGORIES.values()}
    for code, rule in RULES.items():
        groups[CATEGORIES[rule.category]].append(
            _rule_row(rule.title, code, offerings, by_offering)
        )
    manual = sorted({code for cells in by_offering.values() for code in cells} - RULES.keys())
    result = [(title, group) for title, group in groups.items() if group]
    if manual:
        titles = {code: _manual_title(code, by_offering) for code in manual}
        result.append(
            (
                "Analyst findings",
                [_rule_row(titles[code], code, offerings, by_offering) for code in manual],
            )
        )
    return result


def _manual_title(code: str, by_offering: dict[int, dict[str, Cell]]) -> str:
    # A manual finding's evidence is the title the analyst gave it.
    return next(cells[code].evidence for cells in by_offering.values() if code in cells)


def _rule_row(label: str, code: str, offerings, by_offering) -> Row:
    cells = [by_offering[offering.pk].get(code) for offering in offerings]
    return Row(label, code, cells, _differs([cell.outcome if cell else "" for cell in cells]))


def term_rows(offerings: list[Offering]) -> list[Row]:
    """The key facts of each offering as text, one row per fact."""
    facts = [sale_terms(offering) for offering in offerings]
    return [
        Row(label, "", values, _differs(values))
        for label, values in zip(
            facts[0], zip(*(f.values() for f in facts), strict=True), strict=True
        )
    ]


def sale_terms(offering: Offering) -> dict[str, str]:
    score = "not assessed" if offering.score is None else f"{offering.score} ({offering.grade})"
    return {
        "Score (grade)": score,
        "Risk": offering.risk or "—",
        "Coverage": "—" if offering.coverage is None else f"{offering.coverage:.0%}",
        "Red flags": "—" if offering.flags is None else str(len(offering.flags)),
        "Kind": offering.get_kind_display(),
        "Status": offering.current_status or "unknown",
        "Venue": offering.venue.name if offering.venue else "self-hosted / unknown",
        "Public sale": f"{offering.start_date or '?'} – {offering.end_date or '?'}",
        "Soft cap": _cap(offering.soft_cap, offering.cap_currency),
        "Hard cap": _cap(offering.hard_cap, offering.cap_currency),
        "Raised": "unknown"
        if offering.raised_usd is None
        else f"{readable(offering.raised_usd)} USD",
        "Token price": "unknown"
        if offering.token_price_usd is None
        else f"{canonical(offering.token_price_usd)} USD",
        "Refund if soft cap missed": offering.get_refund_policy_display() or "unknown",
        "KYC": offering.get_kyc_display() or "unknown",
        "Restricted countries": ", ".join(offering.restricted_countries) or "none recorded",
    }


def _cap(amount, currency: str) -> str:
    if amount is None:
        return "unknown"
    return "none" if amount == 0 else f"{readable(amount)} {currency}".strip()
