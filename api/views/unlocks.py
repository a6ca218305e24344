"""/api/v1/unlocks/: coming token unlocks across offerings, in date order, cursor pages."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.cursor import page_fetch
from api.problems import Problem
from api.schema import READ_PROBLEMS, problems
from api.views.common import PAGE_PARAMETERS, next_link, page_size, params_check
from offerings.amounts import canonical
from offerings.models import TokenAllocation, UnlockEvent
from offerings.unlock_calendar import ROW_FIELDS, CalendarQuery
from offerings.unlock_filters import UnlockFilterForm

FILTERS = ("from", "to", "offering", "bucket", "min_percent_circulating")
FILTER_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description="First day (default today)."),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (default from + 90 days)."),
    OpenApiParameter("offering", OpenApiTypes.STR, description="One offering's slug."),
    OpenApiParameter("bucket", OpenApiTypes.STR, enum=TokenAllocation.Bucket.values),
    OpenApiParameter(
        "min_percent_circulating",
        OpenApiTypes.DECIMAL,
        description="Only unlocks of at least this share of circulating supply (%).",
    ),
]


class UnlockSerializer(serializers.Serializer):
    date = serializers.DateField()
    offering = serializers.JSONField(help_text="slug, name, symbol and API URL")
    bucket = serializers.ChoiceField(choices=TokenAllocation.Bucket.values)
    kind = serializers.ChoiceField(choices=UnlockEvent.Kind.values)
    tokens = serializers.CharField(allow_null=True, help_text="Unknown without supply or share.")
    percent_of_allocation = serializers.CharField()
    percent_of_supply = serializers.CharField(allow_null=True)
    percent_of_circulating = serializers.CharField(
        allow_null=True, help_text="Over what circulated the day before; null on the first day."
    )
    cumulative_percent = serializers.CharField(allow_null=True)
    schedule_source = serializers.CharField(allow_null=True)
    schedule_source_url = serializers.URLField(allow_null=True)


class UnlockPageSerializer(serializers.Serializer):
    results = UnlockSerializer(many=True)
    next = serializers.URLField(allow_null=True)


def _decimal(value) -> str | None:
    return None if value is None else canonical(value)


def unlock_representation(event: UnlockEvent, *, offerings_url: str) -> dict:
    offering, allocation = event.offering, event.allocation
    return {
        "date": event.date.isoformat(),
        "offering": {
            "slug": offering.slug,
            "name": offering.name,
            "symbol": offering.symbol or None,
            "url": f"{offerings_url}{offering.slug}/",
        },
        "bucket": event.bucket,
        "kind": event.kind,
        "tokens": _decimal(event.tokens),
        "percent_of_allocation": canonical(event.percent_of_allocation),
        "percent_of_supply": _decimal(event.percent_of_supply),
        "percent_of_circulating": _decimal(event.percent_of_circulating),
        "cumulative_percent": _decimal(event.cumulative_percent),
        "schedule_source": allocation.schedule_source or None,
        "schedule_source_url": allocation.schedule_source_url or None,
    }


class UnlockList(APIView):
    read_scope = "offerings:read"

    @extend_schema(
        operation_id="unlocks_list",
        parameters=[*FILTER_PARAMETERS, *PAGE_PARAMETERS],
        responses={200: UnlockPageSerializer, **problems(*READ_PROBLEMS)},
        summary="Token unlocks, by date",
        description=(
            "Scheduled token unlocks from the offerings' vesting schedules, by date, "
            "between `from` and `to`; filter by offering or by a minimum share of "
            "circulating supply. Cursor-paginated. Scope `offerings:read`."
        ),
    )
    def get(self, request):
        query = request.GET
        params_check(query, (*FILTERS, "cursor", "page_size"))
        form = UnlockFilterForm(query, today=timezone.localdate())
        if not form.is_valid():
            raise Problem(
                "invalid unlock filter",
                code="validation",
                errors=[
                    {"field": name, "value": query.get(name), "rule": " ".join(messages)}
                    for name, messages in form.errors.items()
                ],
            )
        cleaned = form.cleaned_data
        calendar = CalendarQuery(
            start=cleaned["from"],
            end=cleaned["to"],
            bucket=cleaned.get("bucket") or "",
            min_percent=cleaned.get("min_percent_circulating"),
            offering=cleaned.get("offering") or "",
        )
        events = (
            calendar.events()
            .select_related("offering", "allocation")
            .only(*ROW_FIELDS)
            .order_by("date", "id")
        )
        page, cursor = page_fetch(events, size=page_size(query), cursor=query.get("cursor"))
        offerings_url = request.build_absolute_uri("/api/v1/offerings/")
        return Response(
            {
                "results": [unlock_representation(e, offerings_url=offerings_url) for e in page],
                "next": next_link(request, cursor),
            }
        )
