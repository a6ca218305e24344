"""The unlock calendar (/unlocks/), as a table and a timeline, and each analyst's iCal feed."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from analyst.access import browse_required
from analyst.models import AnalystPreferences, Watch
from analyst.views.unlock_charts import month_timeline
from offerings.ical import calendar_ics
from offerings.models import UnlockEvent
from offerings.unlock_calendar import CalendarQuery, calendar_page, month_counts
from offerings.unlock_filters import UnlockFilterForm


@require_GET
@browse_required
def unlock_calendar(request):
    today = timezone.localdate()
    form = UnlockFilterForm(request.GET, today=today)
    context = {"form": form, "events": [], "timeline": None, "next_query": None}
    if form.is_valid():
        query = _calendar_query(form.cleaned_data, request.user)
        events, next_key = calendar_page(query, after=_after(request.GET.get("after", "")))
        context |= {
            "query": query,
            "events": events,
            "timeline": month_timeline(month_counts(query), query.start, query.end),
            "next_query": _next_query(request.GET, next_key),
        }
    return render(request, "analyst/unlocks.html", context)


def _calendar_query(cleaned: dict, user) -> CalendarQuery:
    return CalendarQuery(
        start=cleaned["from"],
        end=cleaned["to"],
        bucket=cleaned.get("bucket") or "",
        min_percent=cleaned.get("min_percent_circulating"),
        offering=cleaned.get("offering") or "",
        among=_watched(user) if cleaned.get("watched") and user.is_authenticated else None,
    )


def _watched(user) -> QuerySet:
    return Watch.objects.filter(user=user).values("offering_id")


def _after(value: str) -> tuple[dt.date, int] | None:
    """The page key `YYYY-MM-DD.id` of a 'later' link; anything else starts at the beginning."""
    day, _, pk = value.partition(".")
    try:
        return dt.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


def _next_query(params: QueryDict, key: tuple[dt.date, int] | None) -> str | None:
    if key is None:
        return None
    params = params.copy()
    params["after"] = f"{key[0].isoformat()}.{key[1]}"
    return params.urlencode()


FEED_PAST_DAYS = 90
FEED_AHEAD_DAYS = 3 * 365
FEED_LIMIT = 5000


@require_GET
def unlock_feed(request, token: str):
    """The analyst's watched offerings' unlocks as iCalendar; the token in the URL is the key
    (calendar apps cannot sign in), so no session is read. 404 once revoked."""
    preferences = get_object_or_404(AnalystPreferences.objects.only("user_id"), feed_token=token)
    today = timezone.localdate()
    events = (
        UnlockEvent.objects.between(
            today - dt.timedelta(days=FEED_PAST_DAYS), today + dt.timedelta(days=FEED_AHEAD_DAYS)
        )
        .filter(offering__watches__user_id=preferences.user_id)
        .select_related("offering")
        .only(*FEED_FIELDS)
        .order_by("date", "pk")[:FEED_LIMIT]
    )
    body = calendar_ics(
        events,
        name="Offerwatch: unlocks of my watched offerings",
        stamp=timezone.now(),
        site_url=settings.WEBHOOKS_SITE_URL,
        host=request.get_host().split(":")[0],
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="offerwatch-unlocks.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


FEED_FIELDS = (
    "date",
    "bucket",
    "kind",
    "tokens",
    "allocation_id",
    "percent_of_allocation",
    "percent_of_supply",
    "percent_of_circulating",
    "offering__name",
    "offering__slug",
    "offering__symbol",
)
