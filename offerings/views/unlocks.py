"""The unlock calendar (/unlocks/): coming unlocks across offerings, as a table and a timeline."""

from __future__ import annotations

import datetime as dt

from django.http import QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from offerings.access import browse_required
from offerings.unlock_calendar import CalendarQuery, calendar_page, month_counts
from offerings.unlock_filters import UnlockFilterForm
from offerings.views.unlock_charts import month_timeline


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
    return render(request, "offerings/unlocks.html", context)


def _calendar_query(cleaned: dict, user) -> CalendarQuery:
    return CalendarQuery(
        start=cleaned["from"],
        end=cleaned["to"],
        bucket=cleaned.get("bucket") or "",
        min_percent=cleaned.get("min_percent_circulating"),
        offering=cleaned.get("offering") or "",
        watched_by=user if cleaned.get("watched") and user.is_authenticated else None,
    )


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
