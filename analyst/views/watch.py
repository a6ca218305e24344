"""The analyst's watchlist: star an offering, see how the watched ones moved, read notifications."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from analyst.access import analyst_required, get_offering_for_user, permission_required
from analyst.services import notifications_mark_read, watch_toggle
from diligence.changes import movement
from diligence.models import Assessment
from diligence.selectors import offerings_with_assessment
from offerings.models import Offering

WATCHLIST_PAGE_SIZE = 50
NOTIFICATIONS_PAGE_SIZE = 50
# The button's form says which state it asks for, so a repeated submit changes nothing.
WATCHING_VALUES = {"on": True, "off": False}


@require_POST
@permission_required("analyst.add_watch", "analyst")
def offering_watch(request, slug: str):
    offering = get_offering_for_user(request, slug, Offering.objects.only("id", "slug", "name"))
    watching = watch_toggle(
        user=request.user,
        offering=offering,
        watching=WATCHING_VALUES.get(request.POST.get("watching", "")),
    )
    next_url = _next_url(request, offering)
    if request.htmx:
        return render(
            request,
            "analyst/_watch_button.html",
            {"offering": offering, "watching": watching, "next": next_url},
        )
    return redirect(next_url)


def _next_url(request, offering: Offering) -> str:
    """Where the button's page was: the `next` field when it is on this site, else the detail."""
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    return reverse("offerings:detail", args=[offering.slug])


@require_GET
@analyst_required
def watchlist(request):
    watched = (
        offerings_with_assessment(Offering.objects.filter(watches__user=request.user))
        .select_related("venue")
        .only("name", "slug", "symbol", "venue__name")
        .annotate(watched_at=F("watches__created_at"))
        .order_by("-watched_at", "-id")
    )
    page = Paginator(watched, WATCHLIST_PAGE_SIZE).get_page(request.GET.get("page"))
    offerings = list(page.object_list)
    previous = _previous_assessments([offering.id for offering in offerings])
    for offering in offerings:
        offering.movement = movement(
            score=offering.score,
            risk=offering.risk,
            flags=offering.flags,
            previous=previous.get(offering.id),
        )
    return render(request, "analyst/watchlist.html", {"page": page, "offerings": offerings})


def _previous_assessments(offering_ids: list[int]) -> dict[int, dict]:
    """The latest superseded assessment of each offering (one query), by offering id."""
    if not offering_ids:
        return {}
    latest_first = Window(
        RowNumber(),
        partition_by=[F("offering_id")],
        order_by=[F("created_at").desc(), F("id").desc()],
    )
    rows = (
        Assessment.objects.rolling()
        .filter(offering_id__in=offering_ids, is_current=False)
        .annotate(recency=latest_first)
        .filter(recency=1)
        .values("offering_id", "score", "risk", "flags")
    )
    return {row["offering_id"]: row for row in rows}


@require_http_methods(["GET", "POST"])
@analyst_required
def notification_list(request):
    """GET: the analyst's notifications, newest first. POST: mark them all read."""
    if request.method == "POST":
        return _mark_all_read(request)
    notifications = request.user.notifications.select_related("offering")
    page = Paginator(notifications, NOTIFICATIONS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "analyst/notifications.html",
        {"page": page, "notifications": list(page.object_list)},
    )


def _mark_all_read(request):
    count = notifications_mark_read(user=request.user)
    if count:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("offerings:notifications")
