from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from functools import partial

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.views.decorators.http import require_GET

from analyst import home as home_blocks
from analyst.access import browse_required, permission_required
from analyst.list_rows import ROW_VALUES, offering_rows
from analyst.results_cache import listed_page
from analyst.services import home_visit_record
from diligence.selectors import (
    offering_filter,
    offering_search_floor,
    offering_sort,
    offerings_with_assessment,
    public_records_fields,
)
from diligence.vocabulary import Grade, Risk
from offerings.filters import OfferingFilterForm
from offerings.formats import EXPORT_ORDER, _csv_cell, offering_records
from offerings.interchange import PREFETCH
from offerings.models import Venue
from offerings.search_tiers import RankTiers, capped_count, rank_tiers
from records.representation import FILING_CHECK_JOIN

PAGE_SIZE = 50
EXPORT_CHUNK = 2000
# A text search counts its matches up to this many and pages through those: a word most names
# contain ("token", "chain") matches thousands, and counting them all costs more than ranking
# the page. Past it the page says "more than", and asks for a narrower search; filters without
# a search count exactly (an index answers them), and the export always writes every match.
SEARCH_COUNT_CAP = 1000


@require_GET
def home(request):
    """Signed in: what is new for the analyst; otherwise the offerings list."""
    if not request.user.is_authenticated:
        return redirect("offerings:list")
    today = timezone.localdate()
    preferences, since = home_visit_record(user=request.user, now=timezone.now())
    threshold = preferences.unlock_threshold_percent
    context = {
        "today": today,
        "since": since,
        "threshold": threshold,
        "sales": home_blocks.sales_soon(today),
        "sale_days": home_blocks.SALE_DAYS,
        "sales_until": today + dt.timedelta(days=home_blocks.SALE_DAYS),
        "unlocks": home_blocks.unlocks_over(today, threshold),
        "unlock_days": home_blocks.UNLOCK_DAYS,
        "unlocks_until": today + dt.timedelta(days=home_blocks.UNLOCK_DAYS),
        "risk_news": home_blocks.risk_news(request.user, since),
        "watched": home_blocks.watched_changes(request.user, since),
    }
    return render(request, "analyst/home.html", context)


def _filter_form(request) -> OfferingFilterForm:
    return OfferingFilterForm(
        request.GET, venues=_venue_choices, risks=Risk.choices, grades=Grade.choices
    )


def _venue_choices() -> list[tuple[str, str]]:
    """Read only when the form renders or a venue is sent: the htmx fragment mostly needs none."""
    return list(Venue.objects.order_by("name").values_list("slug", "name"))


@require_GET
@browse_required
def offering_list(request):
    form = _filter_form(request)
    q = form.criteria.get("q")
    if q:  # a search pages through its rank tiers, built every time
        rows, matching = _list_queries(form)
        page = _page(
            rows,
            matching,
            form.criteria.get("page"),
            SEARCH_COUNT_CAP,
            rank_tiers(rows, q),
            offering_search_floor(form.criteria),
        )
        written = offering_rows(page.object_list)
    else:  # the table rows written once per distinct page rows (analyst.results_cache)
        page, written = listed_page(
            request, form.criteria.get("page"), partial(_list_queries, form), _paged
        )
    context = {
        "form": form,
        "page": page,
        "rows": written,
        "problems": form.problems,
        "notes": form.notes,
        "query": form.query_string(page=None),
        "can_export": request.user.is_authenticated,
    }
    # A history-restore request (back button after a cache miss) needs the whole page.
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "analyst/offering_list.html" + ("#results" if fragment else "")
    response = render(request, template, context)
    # The same URL answers with a fragment or a page; caches must keep them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


class _Paginator(Paginator):
    """Pages `rows` but counts `matching`: the same offerings without the joins for display.
    With a `cap`, counts no further than it (`capped` says whether there are more) and pages
    through the first `cap` only."""

    def __init__(
        self,
        rows: QuerySet,
        matching: QuerySet,
        per_page: int,
        cap: int | None,
        floor: QuerySet | None = None,
    ) -> None:
        super().__init__(rows, per_page)
        self.matching = matching
        self.cap = cap
        self.floor = floor  # a subset of `matching`, cheaper to count

    @cached_property
    def _counted(self) -> int:
        if self.cap is None:
            return self.matching.count()
        return capped_count(self.matching, self.cap, self.floor)

    @cached_property
    def capped(self) -> bool:
        return self.cap is not None and self._counted > self.cap

    @cached_property
    def count(self) -> int:
        return self.cap if self.capped else self._counted


def _list_queries(form: OfferingFilterForm) -> tuple[QuerySet, QuerySet]:
    """The page query (values for the rows) and the matching offerings (to count)."""
    matching = offering_filter(form.criteria)
    rows = (
        offerings_with_assessment(offering_sort(form.ordering, matching).with_status())
        # values, not models: a row needs no Offering, and building 50 of them costs more
        .values(*ROW_VALUES)
    )
    return rows, matching


def _paged(
    rows: QuerySet,
    matching: QuerySet,
    number: int | None,
    cap: int | None = None,
    tiers: RankTiers | None = None,
    floor: QuerySet | None = None,
) -> Page:
    """One page, not read yet: a COUNT (capped at `cap` when given, `floor` counted first); a
    broad search (more matches than the cap) pages tier by tier of its rank (`tiers`)."""
    paginator = _Paginator(rows, matching, PAGE_SIZE, cap, floor)
    if tiers is not None and paginator.capped:
        paginator.object_list = tiers
    return paginator.get_page(number)


def _page(
    rows: QuerySet,
    matching: QuerySet,
    number: int | None,
    cap: int | None = None,
    tiers: RankTiers | None = None,
    floor: QuerySet | None = None,
) -> Page:
    """One evaluated page (see _paged)."""
    page = _paged(rows, matching, number, cap, tiers, floor)
    page.object_list = list(page.object_list)
    return page


@require_GET
@permission_required("offerings.view_offering", "viewer")
def offering_export(request):
    """The current filtered list as CSV in interchange format v2, streamed in chunks."""
    form = _filter_form(request)
    offerings = (
        offerings_with_assessment(offering_sort(form.ordering, offering_filter(form.criteria)))
        # joined: no prefetch, and no query for the public records' filing checks
        .select_related("venue", "contract_risk", "whitepaper_signature", FILING_CHECK_JOIN)
        .prefetch_related(*PREFETCH)
    )
    records = offering_records(offerings, chunk_size=EXPORT_CHUNK, added=public_records_fields)
    response = StreamingHttpResponse(
        _csv_lines(records),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"offerings-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class _Line:
    """A file-like object whose write() hands back the line, for csv.writer to stream."""

    def write(self, line: str) -> str:
        return line


def _csv_lines(records: Iterable[dict]) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(EXPORT_ORDER)
    for record in records:
        yield writer.writerow([_csv_cell(name, record.get(name)) for name in EXPORT_ORDER])
