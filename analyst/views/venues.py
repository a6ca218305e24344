"""Exchanges and launchpads: each one's risk profile and the outcomes of its offerings."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Count, Max, Prefetch, Q
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from analyst.access import browse_required
from diligence.rules.venue import INCIDENT_YEARS, SERIOUS_INCIDENTS
from diligence.selectors import offerings_with_assessment
from offerings.models import SecurityIncident, Venue

OFFERINGS_PAGE_SIZE = 50


def incidents_since(today: dt.date) -> dt.date:
    """The start of the window the venue rules count incidents in (29 February → 28th)."""
    try:
        return today.replace(year=today.year - INCIDENT_YEARS)
    except ValueError:
        return today.replace(year=today.year - INCIDENT_YEARS, day=28)


@require_GET
@browse_required
def venue_list(request):
    since = incidents_since(timezone.localdate())
    recent = Q(incidents__occurred_on__gte=since)
    venues = list(
        Venue.objects.annotate(
            offering_count=Count("offerings", distinct=True),
            recent_incidents=Count("incidents", filter=recent, distinct=True),
            recent_serious=Count(
                "incidents",
                filter=recent & Q(incidents__kind__in=SERIOUS_INCIDENTS),
                distinct=True,
            ),
            last_incident=Max("incidents__occurred_on"),
        ).order_by("name")
    )
    return render(
        request,
        "analyst/venue_list.html",
        {"venues": venues, "since": since, "incident_years": INCIDENT_YEARS},
    )


@require_GET
@browse_required
def venue_detail(request, slug: str):
    venue = get_object_or_404(
        Venue.objects.prefetch_related(
            Prefetch("incidents", queryset=SecurityIncident.objects.order_by("-occurred_on"))
        ),
        slug=slug,
    )
    offerings = (
        offerings_with_assessment(venue.offerings.with_status())
        .order_by("-start_date", "name", "id")
        .only("name", "slug", "symbol", "kind", "start_date", "end_date", "venue_id")
    )
    page = Paginator(offerings, OFFERINGS_PAGE_SIZE).get_page(request.GET.get("page"))
    since = incidents_since(timezone.localdate())
    incidents = list(venue.incidents.all())
    return render(
        request,
        "analyst/venue_detail.html",
        {
            "venue": venue,
            "page": page,
            "offerings": list(page.object_list),
            "incidents": incidents,
            "recent_incidents": [i for i in incidents if i.occurred_on >= since],
            "serious_kinds": SERIOUS_INCIDENTS,
            "since": since,
            "incident_years": INCIDENT_YEARS,
        },
    )
