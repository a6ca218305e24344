"""The offerings list's table rows written again only when the rows of its page change.

A page of /offerings/ (and its htmx fragment) is, apart from the layout and the filter form, a
count and 50 table rows. The rows' markup (analyst/list_rows.py) is a function of the values
the page query reads and of the code, so it is kept in the shared cache under a digest of
those values (ops.row_digest): whatever request reads the same rows gets the same markup, and
any change to a row (an edit, a rescore, a new day for a sale's status, which the query
computes) changes the digest, so nothing is invalidated and nothing stale is served.

Every request still validates its filters, counts, and reads its page's rows; what a kept
request skips is building and compiling those two queries (their statements are kept per
process and request, as the API's are) and writing the rows. A request's statements are kept
with the slice of the page they read, and reused only while the count puts the requested page
on that same slice (a count that moves the last page's end or the page itself builds anew).
Searches (`q`) page through rank tiers and are built every time; requests naming a venue keep
no statement (validating it reads the venues).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.core.paginator import Page, Paginator
from django.core.signals import setting_changed
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from analyst.list_rows import offering_rows
from ops import metrics
from ops.row_digest import (
    Outputs,
    Statement,
    Statements,
    digest_key,
    rows_read,
    rows_spelled,
    snapshot,
    statement_of,
)
from ops.row_digest import code_stamp as row_digest_stamp

TIMEOUT = 600
STATEMENT_SLOTS = 256
# The code that writes a row: the rows module, its rule titles and vocabulary, the templates.
PACKAGES = ("analyst", "diligence", "offerings", "templates", "config")

STATEMENTS = Statements(STATEMENT_SLOTS)
# Rows' markup kept in each process's memory in front of the shared cache (row_digest.Outputs).
ROWS = Outputs(max_bytes=8 * 1024 * 1024)


@cache
def code_stamp() -> str:
    return row_digest_stamp(PACKAGES)


def _settings_changed(**kwargs) -> None:
    STATEMENTS.clear()
    ROWS.clear()


setting_changed.connect(_settings_changed, dispatch_uid="analyst.results_cache.statements")


@dataclass(frozen=True)
class _Kept:
    count: Statement
    page: Statement
    window: tuple[int, int]  # the slice of the matching offerings the page statement reads
    per_page: int


class _Counted:
    """The matching offerings where only their number matters: Paginator counts them and
    slices them, and the slice asked for is noted."""

    def __init__(self, count: int) -> None:
        self._count = count
        self.window: tuple[int, int] | None = None

    def count(self) -> int:
        return self._count

    def __getitem__(self, window: slice) -> list:
        self.window = (window.start, window.stop)
        return []


def listed_page(
    request,
    number: int | None,
    queries: Callable[[], tuple[QuerySet, QuerySet]],
    page_of: Callable[[QuerySet, QuerySet, int | None], Page],
) -> tuple[Page, SafeString]:
    """The page (`number`) and its table rows. `queries()` gives the page query (values of
    ROW_VALUES) and the matching offerings to count; `page_of(rows, matching, number)` pages
    them as the view does, leaving the page's object_list unevaluated. The page's
    object_list holds its rows' values when they were written here, else nothing (the
    template writes `rows`)."""
    request_key = (request.get_full_path(), timezone.localdate().isoformat())
    reuse = "venue" not in request.GET
    kept = STATEMENTS.get(request_key) if reuse else None
    if kept is not None:
        ((count,),) = rows_read(kept.count)
        counted = _Counted(int(count))
        paginator = Paginator(counted, kept.per_page)
        paginator.capped = False  # as the view's paginator without a search
        page = paginator.get_page(number)
        if counted.window == kept.window:
            key = rows_key(rows_spelled(kept.page))
            markup = ROWS.get(key) if key else None
            if markup is not None:
                metrics.list_rows_cache.labels("hit").inc()
                return page, mark_safe(markup)
    with snapshot():
        rows, matching = queries()
        page = page_of(rows, matching, number)
        sliced = page.object_list
        if sliced.query.is_empty():  # no offering matches: an empty slice has no statement
            page.object_list = []
            return page, offering_rows([])
        statement = statement_of(sliced)
        key = rows_key(rows_spelled(statement))
        markup = ROWS.get(key) if key else None  # written by another process
        if markup is None:
            page.object_list = list(sliced)
            markup = offering_rows(page.object_list)
            if key:
                ROWS.set(key, str(markup), timeout=TIMEOUT)
            metrics.list_rows_cache.labels("miss" if key else "uncacheable").inc()
        else:
            page.object_list = []
            metrics.list_rows_cache.labels("hit").inc()
    if reuse:
        window = (sliced.query.low_mark, sliced.query.high_mark)
        kept = _Kept(count_statement(matching), statement, window, page.paginator.per_page)
        STATEMENTS.put(request_key, kept)
    return page, mark_safe(markup)


def count_statement(matching: QuerySet) -> Statement:
    """SELECT COUNT(*) over the matching offerings' ids: the number Paginator counts."""
    sql, params = statement_of(matching.order_by().values("pk"))
    return f"SELECT COUNT(*) FROM ({sql}) counted", params


def rows_key(rows: list[tuple]) -> str | None:
    return digest_key(f"ow:listrows:{code_stamp()}", rows)
