"""/api/v1/offerings/: list (filters, ordering, cursor pages), detail, create, update, delete."""

from __future__ import annotations

import datetime as dt
from functools import partial

from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.cursor import PageQuery, page_query
from api.idempotency import idempotent
from api.page_cache import page_response
from api.problems import Problem
from api.record_cache import LIVE_COLUMNS, records_for
from api.representation import (
    Parts,
    confirmed_matches_from_json,
    offering_representation,
    offerings_with_parts_json,
    parts_from_json,
    with_confirmed_matches_json,
)
from api.schema import (
    IDEMPOTENCY_PARAMETER,
    READ_PROBLEMS,
    SIGNATURE_PARAMETERS,
    WRITE_PROBLEMS,
    problems,
)
from api.serializers import OfferingInputSerializer, OfferingPageSerializer, OfferingSerializer
from api.views.common import PAGE_PARAMETERS, next_link, page_size, params_check
from diligence.selectors import (
    offering_filter,
    offering_sort,
    offerings_with_assessment,
    public_records_fields,
)
from diligence.vocabulary import Grade, Risk
from offerings.filters import CONTRACT_RISKS, DEFERRED_SORTS, SORTS, OfferingFilterForm
from offerings.interchange import parse_record
from offerings.models import Offering, Venue
from offerings.services import offering_create_slug, offering_delete, offering_update
from offerings.status import Status
from offerings.vesting_returns import offering_round_returns, round_returns_record
from ops.prepared import PreparedQuery
from records.representation import (
    FILING_CHECK_JOIN,
    PUBLIC_RECORD_COLUMNS,
    public_records_record,
    with_sanctioned_hits_json,
)

ORDERINGS = [key for key, _ in SORTS if key and key not in DEFERRED_SORTS]
# API parameter -> OfferingFilterForm field (the UI's filters, with the same rules).
FILTERS = {
    "q": "q",
    "kind": "kind",
    "status": "status",
    "venue": "venue",
    "country": "country",
    "risk": "risk",
    "grade": "grade",
    "score_min": "score_min",
    "score_max": "score_max",
    "kyc": "kyc",
    "has_audit": "has_audit",
    "contract_risk": "contract_risk",
    "refund": "refund",
    "start_from": "start_from",
    "start_to": "start_to",
    "ordering": "sort",
}
LIST_PARAMETERS = [*FILTERS, "updated_since", "cursor", "page_size"]


FILTER_PARAMETERS = [
    OpenApiParameter("q", OpenApiTypes.STR, description="Name, symbol, venue or contract."),
    OpenApiParameter("kind", OpenApiTypes.STR, enum=Offering.Kind.values),
    OpenApiParameter("status", OpenApiTypes.STR, enum=[*Status.values, "unknown"]),
    OpenApiParameter("venue", OpenApiTypes.STR, description="A venue's slug."),
    OpenApiParameter("country", OpenApiTypes.STR, description="ISO 3166-1 alpha-2 code."),
    OpenApiParameter("risk", OpenApiTypes.STR, enum=Risk.values),
    OpenApiParameter("grade", OpenApiTypes.STR, enum=Grade.values),
    OpenApiParameter("score_min", OpenApiTypes.NUMBER, description="0–100, one decimal."),
    OpenApiParameter("score_max", OpenApiTypes.NUMBER, description="0–100, one decimal."),
    OpenApiParameter("kyc", OpenApiTypes.STR, enum=Offering.Kyc.values),
    OpenApiParameter("has_audit", OpenApiTypes.STR, enum=["yes", "no"]),
    OpenApiParameter(
        "contract_risk",
        OpenApiTypes.STR,
        enum=[value for value, _ in CONTRACT_RISKS],
        description="flagged: a contract rule flags it; clear: checked, none flags; "
        "unchecked: no contract check yet.",
    ),
    OpenApiParameter("refund", OpenApiTypes.STR, enum=Offering.RefundPolicy.values),
    OpenApiParameter("start_from", OpenApiTypes.DATE, description="Sale starts on or after."),
    OpenApiParameter("start_to", OpenApiTypes.DATE, description="Sale starts on or before."),
    OpenApiParameter(
        "updated_since",
        OpenApiTypes.DATETIME,
        description="Only offerings changed at or after this time (ISO 8601).",
    ),
    OpenApiParameter(
        "ordering",
        OpenApiTypes.STR,
        enum=ORDERINGS,
        description="Sort key, '-' for descending; default: best match, then newest sale.",
    ),
]


def _criteria(query: QueryDict) -> tuple[dict, str]:
    """The UI filter form's criteria and ordering for the API's parameters; 400 on bad values."""
    params_check(query, LIST_PARAMETERS)
    data = QueryDict(mutable=True)
    for param, field in FILTERS.items():
        if param in query:
            data[field] = query[param]
    errors = []
    ordering = query.get("ordering", "")
    if ordering and ordering not in ORDERINGS:
        errors.append(
            {
                "field": "ordering",
                "value": ordering,
                "rule": f"must be one of {', '.join(ORDERINGS)}",
            }
        )
        data.pop("sort")
    slug = query.get("venue", "")
    # The form says why an unknown venue is refused; the lookup only needs a plausible slug.
    plausible = slug and "\x00" not in slug
    venues = list(Venue.objects.filter(slug=slug).values_list("slug", "name")) if plausible else []
    form = OfferingFilterForm(data, venues=venues, risks=Risk.choices, grades=Grade.choices)
    form.is_valid()
    names = {field: param for param, field in FILTERS.items()}
    for field, messages in form.errors.items():
        param = names.get(field, field)
        for message in messages:
            errors.append({"field": param, "value": query.get(param), "rule": message})
    if errors:
        raise Problem("invalid filter or ordering", code="validation", errors=errors)
    return form.criteria, ordering


def _updated_since(query: QueryDict) -> dt.datetime | None:
    raw = query.get("updated_since")
    if not raw:
        return None
    try:  # parse_datetime raises on a well-formed impossible time ("2026-02-30T00:00")
        moment = parse_datetime(raw) if "T" in raw or " " in raw else None
    except ValueError:
        moment = None
    if moment is None and (day := _date(raw)):
        moment = dt.datetime.combine(day, dt.time.min)
    if moment is None:
        raise Problem(
            "invalid updated_since",
            code="validation",
            errors=[
                {
                    "field": "updated_since",
                    "value": raw,
                    "rule": "must be an ISO 8601 date or time, e.g. 2026-06-01T00:00:00Z",
                }
            ],
        )
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)


def _date(raw: str) -> dt.date | None:
    try:
        return parse_date(raw)
    except ValueError:
        return None


def _base_url(request) -> str:
    return request.build_absolute_uri("/api/v1/offerings/")


# Prepared (ops.prepared): built and compiled once per process, run by slug.
_WITH_PARTS = PreparedQuery(
    lambda slug: offerings_with_parts_json(Offering.objects.filter(slug=slug)).order_by()[:1],
    slug=str,
)


def offering_detail_load(slug: str) -> tuple[Offering, Parts]:
    """The offering with its parts (see api/representation.py), or 404."""
    offering = _one_or_404(_WITH_PARTS.fetch(slug=slug))
    return offering, parts_from_json([offering])[offering.pk]


def _one_or_404(rows: list[Offering]) -> Offering:
    if not rows:
        raise Http404("No Offering matches the given query.")
    return rows[0]


# The detail's live query: the offering's key and what changes without its revision (status,
# current assessment, market summary for the returns, public records).
_DETAIL = PreparedQuery(
    lambda slug: with_sanctioned_hits_json(
        with_confirmed_matches_json(
            offerings_with_assessment(Offering.objects.filter(slug=slug))
            .select_related(FILING_CHECK_JOIN, "contract_risk", "market_summary")
            .only(*LIVE_COLUMNS, *PUBLIC_RECORD_COLUMNS, "token_price_usd", "market_summary")
        )
    ).order_by()[:1],
    slug=str,
)


# The API speaks interchange v2: a body that declares no version is v2 ([] = checked, none).
API_VERSION = 2


def _source(request) -> str:
    """Where a "checked, none" sent with this request comes from: the key that sent it."""
    return f"api key {request.auth.key_id}"


def _record(request) -> dict:
    """The body as an interchange record, with every unreadable value reported at once."""
    record = request.data
    _, errors = parse_record(record, default_version=API_VERSION)
    if errors:
        raise Problem(
            "the offering record has invalid values",
            code="validation",
            errors=[{"field": e.field, "value": e.value, "rule": e.message} for e in errors],
        )
    return record


def _list_query(request) -> PageQuery:
    """The page query of a list request (its filters, ordering and cursor validated)."""
    query = request.GET
    criteria, ordering = _criteria(query)
    offerings = offering_filter(criteria)
    if (since := _updated_since(query)) is not None:
        offerings = offerings.filter(updated_at__gte=since)
    # The page query reads the offerings, their current assessment and what the public
    # records need (the filing check and the contract check joined, the confirmed record
    # matches and the sanctioned addresses aggregated); the records come from the cache by
    # revision (api.record_cache: one query more for those missing).
    rows = with_sanctioned_hits_json(
        with_confirmed_matches_json(
            offerings_with_assessment(offering_sort(ordering, offerings))
            .select_related(FILING_CHECK_JOIN, "contract_risk")
            .only(*LIVE_COLUMNS, *PUBLIC_RECORD_COLUMNS)
        )
    )
    return page_query(rows, size=page_size(query), cursor=query.get("cursor"))


def _list_body(request, page: list[Offering], cursor: str | None) -> dict:
    records = records_for(page)
    added = public_records_fields(page, confirmed_matches_from_json(page))
    base_url = _base_url(request)
    return {
        # An offering deleted between the page query and its record's build is left out.
        "results": [
            records[o.pk] | {"url": f"{base_url}{o.slug}/"} | added[o.pk]
            for o in page
            if o.pk in records
        ],
        "next": next_link(request, cursor),
    }


class OfferingList(APIView):
    read_scope = "offerings:read"
    write_scope = "offerings:write"

    @extend_schema(
        operation_id="offerings_list",
        parameters=[*FILTER_PARAMETERS, *PAGE_PARAMETERS],
        responses={200: OfferingPageSerializer, **problems(*READ_PROBLEMS)},
        summary="List offerings",
        description=(
            "Offerings with their current assessment and public records, filtered by the query "
            "parameters and "
            "sorted by `ordering`; `updated_since` returns only those changed since then. "
            "Cursor-paginated: follow `next`. Scope `offerings:read`."
        ),
    )
    def get(self, request):
        # The page is served again while its page query's rows are unchanged (api.page_cache);
        # a venue's slug is validated against the venues, so its statement is not kept.
        return page_response(
            request,
            partial(_list_query, request),
            partial(_list_body, request),
            reuse_statement="venue" not in request.GET,
        )

    @extend_schema(
        operation_id="offerings_create",
        request=OfferingInputSerializer,
        parameters=[*SIGNATURE_PARAMETERS, IDEMPOTENCY_PARAMETER],
        responses={201: OfferingSerializer, **problems(*WRITE_PROBLEMS, 409, 422)},
        summary="Create an offering",
        description=(
            "Creates an offering from an interchange v2 record (a body without "
            "`interchange_version` is v2; `[]` means checked, none) Every unreadable value "
            "is reported at once as a problem naming field, value and rule. Signed; send an"
            " `Idempotency-Key` to retry safely. Scope `offerings:write`."
        ),
    )
    @idempotent
    def post(self, request):
        slug = offering_create_slug(
            record=_record(request),
            user=request.user,
            source=_source(request),
            default_version=API_VERSION,
        )
        loaded, parts = offering_detail_load(slug)
        body = offering_representation(loaded, parts=parts, base_url=_base_url(request))
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": body["url"]})


class OfferingDetail(APIView):
    read_scope = "offerings:read"
    write_scope = "offerings:write"

    @extend_schema(
        operation_id="offerings_retrieve",
        responses={200: OfferingSerializer, **problems(*READ_PROBLEMS)},
        summary="One offering",
        description=(
            "An offering with its parts (team, allocations, rounds, audits, socials), its "
            "current assessment, its market data, its vesting-adjusted round returns and its "
            "public records. "
            "Scope `offerings:read`."
        ),
    )
    def get(self, request, slug: str):
        # The record from the cache by revision (api.record_cache); what changes without the
        # revision (status, assessment, the returns as of today, public records) read live.
        offering = _one_or_404(_DETAIL.fetch(slug=slug))
        body = records_for([offering]).get(offering.pk)
        if body is None:  # deleted since the query above
            raise Http404
        body["url"] = f"{_base_url(request)}{offering.slug}/"
        body["vesting_returns"] = round_returns_record(
            offering_round_returns(offering, today=timezone.localdate())
        )
        body["public_records"] = public_records_record(
            offering, confirmed_matches=confirmed_matches_from_json([offering])
        )
        return Response(body)

    @extend_schema(
        operation_id="offerings_update",
        request=OfferingInputSerializer,
        parameters=SIGNATURE_PARAMETERS,
        responses={200: OfferingSerializer, **problems(*WRITE_PROBLEMS)},
        summary="Change some fields of an offering",
        description=(
            "Changes only the fields sent (interchange v2); every unreadable value is "
            "reported at once as a problem naming field, value and rule. Signed. Scope "
            "`offerings:write`."
        ),
    )
    def patch(self, request, slug: str):
        offering = get_object_or_404(Offering, slug=slug)
        offering = offering_update(
            offering=offering,
            record=_record(request),
            user=request.user,
            source=_source(request),
            default_version=API_VERSION,
        )
        loaded, parts = offering_detail_load(offering.slug)
        return Response(offering_representation(loaded, parts=parts, base_url=_base_url(request)))

    @extend_schema(
        operation_id="offerings_destroy",
        parameters=SIGNATURE_PARAMETERS,
        responses={204: None, **problems(*WRITE_PROBLEMS)},
        summary="Delete an offering",
        description=(
            "Soft-deletes the offering (the admin role only): it leaves every list, reply "
            "and export, while its reviews, assessments and change history are kept. "
            "Signed. Scope `offerings:write`."
        ),
    )
    def delete(self, request, slug: str):
        offering_delete(offering=get_object_or_404(Offering, slug=slug), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
