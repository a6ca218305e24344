"""/api/v1/venues/: exchanges and launchpads with their security incidents."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from api.cursor import page_fetch
from api.schema import READ_PROBLEMS, problems
from api.serializers import VenuePageSerializer, VenueSerializer
from api.views.common import PAGE_PARAMETERS, next_link, page_size, params_check
from offerings.amounts import canonical
from offerings.models import SecurityIncident, Venue

INCIDENTS = Prefetch("incidents", queryset=SecurityIncident.objects.order_by("-occurred_on", "id"))


def venue_representation(venue: Venue, *, base_url: str) -> dict:
    return {
        "name": venue.name,
        "slug": venue.slug,
        "kind": venue.kind or None,
        "website": venue.website or None,
        "country": venue.country or None,
        "licence": venue.licence or None,
        "licensed": venue.licensed,
        "kyc_aml_enforced": venue.kyc_aml_enforced,
        "reputation_tier": venue.reputation_tier or None,
        "incidents": [
            {
                "occurred_on": incident.occurred_on.isoformat(),
                "kind": incident.kind,
                "description": incident.description,
                "loss_usd": None if incident.loss_usd is None else canonical(incident.loss_usd),
                "source_url": incident.source_url or None,
            }
            for incident in venue.incidents.all()
        ],
        "url": f"{base_url}{venue.slug}/",
    }


class VenueList(APIView):
    read_scope = "offerings:read"

    @extend_schema(
        operation_id="venues_list",
        parameters=PAGE_PARAMETERS,
        responses={200: VenuePageSerializer, **problems(*READ_PROBLEMS)},
        summary="Venues, by name",
        description=(
            "The exchanges and launchpads offerings are run on, by name, with their "
            "profile. Cursor-paginated. Scope `offerings:read`."
        ),
    )
    def get(self, request):
        params_check(request.GET, ("cursor", "page_size"))
        venues = Venue.objects.order_by("name", "id")
        page, cursor = page_fetch(
            venues, size=page_size(request.GET), cursor=request.GET.get("cursor")
        )
        prefetch_related_objects(page, INCIDENTS)
        base_url = request.build_absolute_uri("/api/v1/venues/")
        return Response(
            {
                "results": [venue_representation(venue, base_url=base_url) for venue in page],
                "next": next_link(request, cursor),
            }
        )


class VenueDetail(APIView):
    read_scope = "offerings:read"

    @extend_schema(
        operation_id="venues_retrieve",
        responses={200: VenueSerializer, **problems(*READ_PROBLEMS)},
        summary="One venue",
        description=("A venue and its profile. Scope `offerings:read`."),
    )
    def get(self, request, slug: str):
        params_check(request.GET, ())
        venue = get_object_or_404(Venue.objects.prefetch_related(INCIDENTS), slug=slug)
        base_url = request.build_absolute_uri("/api/v1/venues/")
        return Response(venue_representation(venue, base_url=base_url))
