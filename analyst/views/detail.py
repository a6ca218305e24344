"""The offering detail page: the diligence breakdown, sale terms, parts and change history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pycountry
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from analyst.access import analyst_required, browse_required, get_offering_for_user
from analyst.forms import MANUAL_OUTCOMES, OVERTURN_OUTCOMES, SEVERITIES, SaleOutcomeForm
from analyst.models import Watch
from analyst.views.contract import contract_context
from analyst.views.market import market_context
from analyst.views.outcomes import outcomes_context
from analyst.views.unlock_panels import unlock_context
from diligence.changes import finding_changes
from diligence.history import automatic_findings, finding_reviews_attach, findings_by_category
from diligence.models import Finding, FindingReview
from diligence.roles import is_team
from diligence.scoring import chance
from offerings.amounts import canonical
from offerings.interchange import PREFETCH
from offerings.models import Absence, Document, Offering, TokenAllocation
from offerings.services import absence_clear, absence_record
from offerings.whitepapers.panel import copied_whitepaper_context
from records.page import public_records_context

ASSESSMENT_LIMIT = 20  # score history shown
HISTORY_LIMIT = 20  # change-history entries shown
# Fields that change on every save and say nothing about the offering.
HISTORY_NOISE = ("created_at", "updated_at")


def offering_queryset(request) -> QuerySet[Offering]:
    """What every view of one offering's page needs: its venue, workflow state and whether
    the signed-in analyst watches it, in one query."""
    offerings = Offering.objects.select_related(
        "venue", "workflow__submitted_by", "workflow__approved_by", "contract_risk"
    ).select_related("filing_check__filing")
    if request.user.is_authenticated:
        watches = Watch.objects.filter(user=request.user, offering=OuterRef("pk"))
        offerings = offerings.annotate(watched=Exists(watches))
    return offerings


def diligence_context(offering: Offering, *, team: bool) -> dict[str, Any]:
    """The current assessment's findings by category, what changed since the previous one, the
    score history and reviews that no longer apply (2 queries when assessed for the team, 1
    otherwise).

    Outside the team (viewers, anonymous visitors) only the automatic findings and the score
    are shown: no manual findings, overrides, notes or reviewers (README, visibility model)."""
    assessments = list(offering.assessments.rolling()[:ASSESSMENT_LIMIT])
    current = assessments[0] if assessments else None
    findings = list(current.findings) if current else []
    if current and team:
        _attach_reviews(offering, findings)
    elif not team:
        findings = automatic_findings(findings)
    return {
        "team": team,
        "assessment": current,
        "assessments": assessments,
        "categories": findings_by_category(findings),
        "chance": chance(findings) if current else None,
        # What moved between assessments reflects the analysts' reviews: the team's only.
        "changes": finding_changes(assessments[1], current)
        if team and len(assessments) > 1
        else [],
        "overturn_outcomes": OVERTURN_OUTCOMES,
        "manual_outcomes": MANUAL_OUTCOMES,
        "severities": SEVERITIES,
    }


def _attach_reviews(offering: Offering, findings: list[Finding]) -> None:
    """Attach the findings' reviews and mark findings whose latest review stopped applying
    because the facts changed (1 query for both)."""
    newer = FindingReview.objects.filter(
        offering=OuterRef("offering"),
        rule_code=OuterRef("rule_code"),
        created_at__gt=OuterRef("created_at"),
    )
    stale_reviews = finding_reviews_attach(
        findings,
        also=Q(offering=offering, state=FindingReview.State.NEEDS_REREVIEW) & ~Q(Exists(newer)),
        related=("author",),
    )
    stale = {review.rule_code: review for review in stale_reviews}
    for finding in findings:
        finding.stale_review = None if finding.review_id else stale.get(finding.rule_code)


@require_GET
@browse_required
def offering_detail(request, slug: str):
    offering = detail_offering(request, slug)
    context = detail_context(offering, request.user, team=is_team(request.user))
    return render(request, "analyst/offering_detail.html", context)


@require_POST
@analyst_required
def offering_checked_none(request, slug: str):
    """Record (action=record) or clear (action=clear) that a part was checked and has none."""
    offering = get_offering_for_user(request, slug)
    part, action = request.POST.get("part", ""), request.POST.get("action", "")
    if part not in PART_LABELS or action not in ("record", "clear"):
        return HttpResponseBadRequest(
            f"part ({part!r}) must be one of {', '.join(PART_LABELS)} and action ({action!r}) "
            "record or clear"
        )
    error = ""
    try:
        if action == "record":
            absence_record(offering=offering, part=part, user=request.user, source="analyst page")
        else:
            absence_clear(offering=offering, part=part, user=request.user, source="analyst page")
    except ValidationError as exc:
        error = "; ".join(exc.messages)
    if request.htmx:
        offering = Offering.objects.prefetch_related(*CHECKED_PREFETCH).get(pk=offering.pk)
        state = part_states(offering)[part]
        return render(
            request,
            "analyst/_part_checked.html",
            {"offering": offering, "state": state, "error": error, "team": True},
        )
    if error:
        messages.error(request, error)
    return redirect("offerings:detail", slug=offering.slug)


# Who checked each "checked, none", joined for the page.
_ABSENCES = Prefetch("absences", queryset=Absence.objects.select_related("checked_by"))
# The export's prefetches, with that, and the documents without their extracted text.
DETAIL_PREFETCH = [
    *(item for item in PREFETCH if item != "absences"),
    _ABSENCES,
    Prefetch("documents", queryset=Document.objects.defer("text")),
]
# What part_states() reads.
CHECKED_PREFETCH = ["team", "allocations", "rounds", "audits", "socials", _ABSENCES]


def detail_offering(request, slug: str) -> Offering:
    """The offering with every part the page lists (10 queries), or 404."""
    return get_offering_for_user(
        request, slug, offering_queryset(request).prefetch_related(*DETAIL_PREFETCH)
    )


@dataclass(frozen=True)
class PartState:
    """Whether a checkable part has entries, was checked and found to have none, or is not
    recorded; with who checked and when."""

    part: str
    label: str  # "Audits: not recorded"
    none_label: str  # "No audit"
    recorded: bool
    checked_none: bool
    absence: Absence | None

    @property
    def checker(self) -> str:
        user = self.absence.checked_by if self.absence else None
        if user is not None:
            return user.get_full_name() or user.get_username()
        return "an analyst"


# Part -> (its name, what "checked, none" says).
PART_LABELS = {
    "audits": ("Audits", "No audit"),
    "team": ("Team", "No team members listed"),
    "backers": ("Backers", "No backers"),
    "allocations": ("Token allocation", "No allocation table published"),
    "rounds": ("Sale rounds", "No sale rounds"),
    "socials": ("Social channels", "No social channels"),
}


def part_states(offering: Offering) -> dict[str, PartState]:
    """The state of each checkable part of an offering whose parts and absences are loaded."""
    absences = {absence.part: absence for absence in offering.absences.all()}
    states = {}
    for part, (label, none_label) in PART_LABELS.items():
        if part == "backers":
            recorded = bool(offering.backers)
            checked_none = offering.backers == []
        else:
            recorded = bool(getattr(offering, part).all())
            checked_none = not recorded and part in absences
        states[part] = PartState(
            part, label, none_label, recorded, checked_none, absences.get(part)
        )
    return states


def detail_context(offering: Offering, user: Any, *, team: bool) -> dict[str, Any]:
    """Everything the detail page shows; every query runs here, none in the template. The
    workflow's actors and the change history are the team's only."""
    allocations = list(offering.allocations.all())
    return {
        "offering": offering,
        "checked": part_states(offering),
        "workflow": getattr(offering, "workflow", None) if team else None,
        "restricted_countries": [country_name(code) for code in offering.restricted_countries],
        "token_price": exact(offering.token_price_usd),
        "sale_rounds": [
            (sale_round, exact(sale_round.price_usd)) for sale_round in offering.rounds.all()
        ],
        "chart_width": CHART_WIDTH,
        "allocation_chart": allocation_chart(allocations),
        "vesting_chart": vesting_chart(allocations),
        "history": change_history(offering) if team else [],
        **market_context(offering),
        **contract_context(offering),
        **unlock_context(offering),
        **public_records_context(offering, user, team=team),
        **copied_whitepaper_context(offering),
        **diligence_context(offering, team=team),
        **outcomes_context(offering, user),
        "outcome_form": SaleOutcomeForm(),
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
    percent: Decimal | None  # None: the share is not known (the vesting may be)
    lockup: str
    x: float
    width: float
    text: str  # what fits inside the slice: name and share, the share, or nothing


def allocation_chart(allocations: list[TokenAllocation]) -> list[Segment]:
    """The allocations as consecutive slices; what no known share claims is shown as not
    accounted for, and allocations whose share is not known come last, with no slice."""
    shares = [
        (a.bucket, a.get_bucket_display(), a.percent, lockup_text(a.vesting_months, a.cliff_months))
        for a in allocations
    ]
    known = [share for share in shares if share[2] is not None]
    claimed = sum((share[2] for share in known), Decimal(0))
    if known and claimed < 100:
        known.append(("unallocated", "Not accounted for", 100 - claimed, "—"))
    segments, x = [], 0.0
    for bucket, label, percent, lockup in [*known, *(s for s in shares if s[2] is None)]:
        if percent is None:
            segments.append(Segment(bucket, label, None, lockup, round(x, 2), 0.0, ""))
            continue
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
