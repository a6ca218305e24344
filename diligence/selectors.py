"""Reads that join offerings to their assessments (HackSoft's selectors): each takes a queryset
of offerings and returns it annotated, filtered or sorted by the current assessment. The record
layer (offerings) knows nothing of assessments; whoever needs the two together comes here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.db import models

from diligence.vocabulary import risk_rank
from offerings.formats import export_queryset
from offerings.models import Offering
from records.representation import FILING_CHECK_JOIN, public_records_for

# Criteria keys (OfferingFilterForm, the API's query parameters) answered by the offering's
# own copies of its current assessment's score and risk rank (written with the assessment, and
# indexed with the sorts: a filter on risk needs no join to the assessments), and their lookups.
COPY_LOOKUPS = {
    "risk": "current_risk_rank",
    "score_min": "current_score__gte",
    "score_max": "current_score__lte",
}
# ... and those only the current assessment answers, on offerings_with_assessment()'s annotations.
ASSESSMENT_LOOKUPS = {"grade": "grade"}
# The current assessment flags a contract rule (codes "contract.…" in its JSON list of flag
# codes), or the contract was checked and none is flagged, or it was never checked.
_CONTRACT_FLAG = models.Q(flags__icontains='"contract.')
CONTRACT_RISK_FILTERS = {
    "flagged": _CONTRACT_FLAG,
    "clear": models.Q(contract_risk__isnull=False) & ~_CONTRACT_FLAG,
    "unchecked": models.Q(contract_risk__isnull=True),
}
# Sort keys served by the current assessment (score and risk sort on the offering's own copies).
ASSESSMENT_SORTS = ("coverage",)
SORT_KEYS = (*Offering.objects.none().SORT_KEYS, *ASSESSMENT_SORTS)


def offerings_with_assessment(queryset: models.QuerySet) -> models.QuerySet:
    """Annotate the current assessment's score, grade, risk, coverage, probability, flags and
    date (one join; None for an offering never assessed)."""
    current = models.FilteredRelation(
        "assessments", condition=models.Q(assessments__is_current=True)
    )
    return queryset.annotate(
        current_assessment=current,
        score=models.F("current_assessment__score"),
        grade=models.F("current_assessment__grade"),
        risk=models.F("current_assessment__risk"),
        coverage=models.F("current_assessment__coverage"),
        probability=models.F("current_assessment__probability"),
        flags=models.F("current_assessment__flags"),
        assessed_at=models.F("current_assessment__created_at"),
    )


def offering_filter(criteria: dict[str, Any], queryset: models.QuerySet | None = None):
    """Apply the list filters in `criteria` (OfferingFilterForm's cleaned values): the record's
    own through OfferingQuerySet.filtered(), the assessment's here. Joins the current assessment
    only when a filter needs it, so counting stays cheap."""
    queryset = Offering.objects.all() if queryset is None else queryset
    wanted = {key: value for key, value in criteria.items() if value is not None and value != ""}
    offerings = queryset.filtered(
        {
            key: value
            for key, value in wanted.items()
            if key not in ASSESSMENT_LOOKUPS and key not in COPY_LOOKUPS
        }
    )
    if wanted.keys() & {*ASSESSMENT_LOOKUPS, "contract_risk"}:
        offerings = offerings_with_assessment(offerings)
    if wanted.get("contract_risk") in CONTRACT_RISK_FILTERS:
        offerings = offerings.filter(CONTRACT_RISK_FILTERS[wanted["contract_risk"]])
    copied = {**wanted, "risk": risk_rank(wanted["risk"])} if "risk" in wanted else wanted
    lookups = {lookup: copied[key] for key, lookup in COPY_LOOKUPS.items() if key in wanted}
    lookups.update(
        {lookup: wanted[key] for key, lookup in ASSESSMENT_LOOKUPS.items() if key in wanted}
    )
    return offerings.filter(**lookups)


def offering_search_floor(criteria: dict[str, Any]) -> models.QuerySet | None:
    """The offerings offering_filter(criteria) gives, but matched by its search's literal
    alternatives only (OfferingQuerySet.search_literal): a subset, cheaper to count. A capped
    count of a broad search ("token") stops there when the subset alone passes the cap. None
    without a search, or where the search is literal anyway (SQLite)."""
    q = (criteria.get("q") or "").strip()
    literal = Offering.objects.all().search_literal(q) if q else None
    if literal is None:
        return None
    return offering_filter({**criteria, "q": ""}, literal)


def offering_sort(key: str = "", queryset: models.QuerySet | None = None):
    """Order by one of SORT_KEYS ('-' for descending), unknown values last, ties broken by name
    and id (OfferingQuerySet.sorted_by); the assessment's coverage joins it first."""
    queryset = Offering.objects.all() if queryset is None else queryset
    field = key.removeprefix("-")
    if key and field not in SORT_KEYS:
        raise ValueError(f"sort={key!r}: not one of {', '.join(SORT_KEYS)}")
    if field in ASSESSMENT_SORTS:
        queryset = offerings_with_assessment(queryset)
        return queryset.sorted_by(key, annotated=ASSESSMENT_SORTS)
    return queryset.sorted_by(key)


def offering_search(
    criteria: dict[str, Any], ordering: str = "", queryset: models.QuerySet | None = None
):
    """The offerings matching `criteria`, sorted by `ordering` (the list page, its export, the
    API's list)."""
    return offering_sort(ordering, offering_filter(criteria, queryset))


def assessed_export(queryset: models.QuerySet | None = None) -> Iterator[dict[str, Any]]:
    """Interchange records with the read-only assessment fields (score, grade, risk …) and the
    public records: the export of offerings.formats.export_queryset on offerings annotated with
    their assessment, joined to their filing check, with public_records_fields per chunk."""
    queryset = Offering.objects.all() if queryset is None else queryset
    return export_queryset(
        offerings_with_assessment(queryset).select_related(FILING_CHECK_JOIN),
        added=public_records_fields,
    )


def public_records_fields(
    offerings: Sequence[Offering], confirmed_matches: dict[int, list] | None = None
) -> dict[int, dict[str, Any]]:
    """The read-only `public_records` of a chunk or page of offerings (confirmed links only, as
    for every reader of the API): records.representation.public_records_for, 1–3 queries (one
    fewer with the page's `confirmed_matches`)."""
    records = public_records_for(offerings, confirmed_matches=confirmed_matches)
    return {pk: {"public_records": record} for pk, record in records.items()}
