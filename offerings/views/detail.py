"""The offering detail page: the diligence breakdown, sale terms, parts and change history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pycountry
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from diligence.forms import MANUAL_OUTCOMES, OVERTURN_OUTCOMES, SEVERITIES
from diligence.history import assessment_changes, findings_by_category
from diligence.models import Finding, FindingReview
from offerings.access import browse_required
from offerings.amounts import canonical
from offerings.interchange import PREFETCH
from offerings.models import Document, Offering, TokenAllocation, Watch
from offerings.views.market import market_context
from offerings.views.unlock_panels import unlock_context

ASSESSMENT_LIMIT = 20  # score history shown
HISTORY_LIMIT = 20  # change-history entries shown
# Fields that change on every save and say nothing about the offering.
HISTORY_NOISE = ("created_at", "updated_at")


def offering_queryset(request) -> QuerySet[Offering]:
    """What every view of one offering's page needs: its venue, workflow state and whether
    the signed-in analyst watches it, in one query."""
    offerings = Offering.objects.select_related(
        "venue", "workflow__submitted_by", "workflow__approved_by"
    )
    if request.user.is_authenticated:
        watches = Watch.objects.filter(user=request.user, offering=OuterRef("pk"))
        offerings = offerings.annotate(watched=Exists(watches))
    return offerings


def diligence_context(offering: Offering) -> dict[str, Any]:
    """The current assessment's findings by category, what changed since the previous one, the
    score history and reviews that no longer apply (4 queries when assessed, 1 when not)."""
    assessments = list(offering.assessments.all()[:ASSESSMENT_LIMIT])
    prefetch_related_objects(
        assessments[:2],
        Prefetch("findings", queryset=Finding.objects.select_related("review__author")),
    )
    current = assessments[0] if assessments else None
    findings = list(current.findings.all()) if current else []
    if current:
        _attach_stale_reviews(offering, findings)
    return {
        "assessment": current,
        "assessments": assessments,
        "categories": findings_by_category(findings),
        "changes": assessment_changes(assessments[1], current) if len(assessments) > 1 else [],
        "overturn_outcomes": OVERTURN_OUTCOMES,
        "manual_outcomes": MANUAL_OUTCOMES,
        "severities": SEVERITIES,
    }


def _attach_stale_reviews(offering: Offering, findings: list[Finding]) -> None:
    """Mark findings whose latest review stopped applying because the facts changed (1 query)."""
    newer = FindingReview.objects.filter(
        offering=OuterRef("offering"),
        rule_code=OuterRef("rule_code"),
        created_at__gt=OuterRef("created_at"),
    )
    stale = {
        review.rule_code: review
        for review in FindingReview.objects.filter(
            offering=offering, state=FindingReview.State.NEEDS_REREVIEW
        )
        .exclude(Exists(newer))
        .select_related("author")
    }
    for finding in findings:
        finding.stale_review = None if finding.review_id else stale.get(finding.rule_code)


@require_GET
@browse_required
def offering_detail(request, slug: str):
    offering = detail_offering(request, slug)
    return render(request, "offerings/offering_detail.html", detail_context(offering))


def detail_offering(request, slug: str) -> Offering:
    """The offering with every part the page lists (9 queries), or 404."""
    return get_object_or_404(
        offering_queryset(request).prefetch_related(
            *PREFETCH, Prefetch("documents", queryset=Document.objects.defer("text"))
        ),
        slug=slug,
    )


def detail_context(offering: Offering) -> dict[str, Any]:
    """Everything the detail page shows; every query runs here, none in the template."""
    allocations = list(offering.allocations.all())
    return {
        "offering": offering,
        "workflow": getattr(offering, "workflow", None),
        "restricted_countries": [country_name(code) for code in offering.restricted_countries],
        "token_price": exact(offering.token_price_usd),
        "sale_rounds": [
            (sale_round, exact(sale_round.price_usd)) for sale_round in offering.rounds.all()
        ],
        "chart_width": CHART_WIDTH,
        "allocation_chart": allocation_chart(allocations),
        "vesting_chart": vesting_chart(allocations),
        "history": change_history(offering),
        **market_context(offering),
        **unlock_context(offering),
        **diligence_context(offering),
    }


def exact(amount: Decimal | None) -> str | None:
    """Prices keep every digit they were stated with (0.000012, not 0.00)."""
    return None if amount is None else canonical(amount)


def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return f"{country.name} ({code})" if country else code


CHART_WIDTH = 360  # SVG user units; the charts scale to the page width
ROW_HEIGHT = 36


@dataclass(frozen=True)
class Segment:
    """One bucket's share of the supply as a slice of the stacked bar."""

    bucket: str
    label: str
    percent: Decimal
    lockup: str
    x: float
    width: float
    text: str  # what fits inside the slice: name and share, the share, or nothing


def allocation_chart(allocations: list[TokenAllocation]) -> list[Segment]:
    """The allocations as consecutive slices; what no bucket claims is shown as unaccounted."""
    shares = [
        (a.bucket, a.get_bucket_display(), a.percent, lockup_text(a.vesting_months, a.cliff_months))
        for a in allocations
    ]
    claimed = sum((share[2] for share in shares), Decimal(0))
    if shares and claimed < 100:
        shares.append(("unallocated", "Not accounted for", 100 - claimed, "—"))
    segments, x = [], 0.0
    for bucket, label, percent, lockup in shares:
        width = float(percent) * CHART_WIDTH / 100
        share = f"{percent.normalize():f}%"
        text = f"{label} {share}" if width >= 7 * len(label) + 40 else share if width >= 34 else ""
        segments.append(Segment(bucket, label, percent, lockup, round(x, 2), round(width, 2), text))
        x += width
    return segments


@dataclass(frozen=True)
class VestingBar:
    bucket: str
    label: str
    lockup: str  # short, to fit beside the label
    y: int
    cliff_width: float
    vesting_width: float


def vesting_chart(allocations: list[TokenAllocation]) -> dict[str, Any]:
    """Each bucket's lock-up on one time axis of at least a year: the cliff inside the vesting."""
    span = max([12] + [a.vesting_months or 0 for a in allocations])
    bars = [
        VestingBar(
            a.bucket,
            a.get_bucket_display(),
            _short_lockup(a.vesting_months, a.cliff_months),
            index * ROW_HEIGHT,
            round((a.cliff_months or 0) * CHART_WIDTH / span, 2),
            round((a.vesting_months or 0) * CHART_WIDTH / span, 2),
        )
        for index, a in enumerate(allocations)
    ]
    ticks = [(round(months * CHART_WIDTH / span, 2), months) for months in (0, span // 2, span)]
    return {"span": span, "bars": bars, "ticks": ticks, "height": len(bars) * ROW_HEIGHT + 24}


def lockup_text(vesting_months: int | None, cliff_months: int | None) -> str:
    if vesting_months is None:
        return "vesting not stated"
    if vesting_months == 0:
        return "no vesting: unlocked at launch"
    if cliff_months is None:
        return f"vests over {vesting_months} months, cliff not stated"
    cliff = f"{cliff_months}-month cliff" if cliff_months else "no cliff"
    return f"vests over {vesting_months} months, {cliff}"


def _short_lockup(vesting_months: int | None, cliff_months: int | None) -> str:
    if vesting_months is None:
        return "not stated"
    if vesting_months == 0:
        return "unlocked"
    cliff = "?" if cliff_months is None else cliff_months
    return f"{vesting_months} mo, cliff {cliff}"


@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime
    who: Any
    kind: str  # created, changed or deleted
    fields: list[str]
    reason: str


def change_history(offering: Offering) -> list[HistoryEntry]:
    """The latest changes to the offering's own fields, newest first (1 query)."""
    records = list(
        offering.history.select_related("history_user").order_by("-history_date", "-history_id")[
            : HISTORY_LIMIT + 1
        ]
    )
    names = {field.name: str(field.verbose_name) for field in Offering._meta.fields}
    entries = []
    for newer, older in zip(records[:HISTORY_LIMIT], [*records[1:], None], strict=False):
        fields: list[str] = []
        if older is not None and newer.history_type == "~":
            delta = newer.diff_against(older, excluded_fields=HISTORY_NOISE)
            fields = [names.get(name, name) for name in delta.changed_fields]
        kind = {"+": "created", "-": "deleted"}.get(newer.history_type, "changed")
        entries.append(
            HistoryEntry(
                newer.history_date,
                newer.history_user,
                kind,
                fields,
                newer.history_change_reason or "",
            )
        )
    return entries
