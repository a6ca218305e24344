"""API list pages served again while the rows they were built from are unchanged.

A page of /api/v1/offerings/ is a function of the request (its path and query string, and the
scheme and host its links are made of), today's date (a sale's status follows it), the code
that builds it, and the rows of its page query. That query reads every input of the page: the
offering's revision (which keys its cached record, parts included: api.record_cache), the
current assessment and the public records (a warm page is that one query after the key's:
tests/api/test_page_cache.py pins it). So the same rows make the same page.

Every request still authenticates, is throttled and runs its page query; the page built from
the very same rows is then taken from the cache under a digest of the request, the day and
those rows. An edit, a rescore, a confirmed record match, a new sanctioned address: any change
to a row changes the digest, so nothing is invalidated and nothing stale is served. Only
building the page (the records, the public records, the JSON) is saved, which is most of its
cost.

Statements: building and compiling the page query through the ORM costs more than running it
(measured: bench.cpu --profile "api list"), and an identical request (path, query string,
host, day) compiles to the same SQL, so each process keeps the statements of the requests it
answered (STATEMENT_SLOTS, least recently used out first). A request that passed validation
once passes it again, except where validation reads the database (a venue's slug), which
`reuse_statement=False` keeps out.

On a miss the rows that key the page and the rows that build it are read in one snapshot
(REPEATABLE READ on PostgreSQL, one transaction on SQLite), so a page is never stored under
rows other than its own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.core.signals import setting_changed
from django.http import HttpResponse
from django.utils import timezone

from api.cursor import PageQuery, page_rows
from api.renderers import JSONRenderer
from ops import metrics
from ops.row_digest import Outputs, Statements, digest_key, rows_spelled, snapshot, statement_of
from ops.row_digest import code_stamp as row_digest_stamp

# Ten minutes: a page unchanged for longer is cheap to build once more.
TIMEOUT = 600
STATEMENT_SLOTS = 512
# The packages whose code builds a page (a deploy that changes any of them voids every page).
PACKAGES = ("api", "diligence", "offerings", "records", "config")


@cache
def code_stamp() -> str:
    return row_digest_stamp(PACKAGES)


STATEMENTS = Statements(STATEMENT_SLOTS)
# Pages kept in each process's memory in front of the shared cache (ops.row_digest.Outputs).
PAGES = Outputs(max_bytes=32 * 1024 * 1024)


def _settings_changed(**kwargs) -> None:
    # A statement holds what the settings gave it (the page size): tests change settings.
    STATEMENTS.clear()
    PAGES.clear()


setting_changed.connect(_settings_changed, dispatch_uid="api.page_cache.statements")


def page_response(
    request,
    query_for: Callable[[], PageQuery],
    body_for: Callable[[list, str | None], dict[str, Any]],
    *,
    reuse_statement: bool = True,
) -> HttpResponse:
    """The JSON page for `request`: `query_for()` makes its page query (validating the
    request; it may raise a problem), `body_for(rows, next_cursor)` builds the page from the
    query's rows. Taken from the cache when a page was built from the same rows."""
    request_key = (
        request.get_full_path(),
        request.build_absolute_uri("/"),
        timezone.localdate().isoformat(),
    )
    statement = STATEMENTS.get(request_key) if reuse_statement else None
    if statement is not None:
        key = page_key(request_key, rows_spelled(statement))
        body = PAGES.get(key) if key else None
        if body is not None:
            metrics.api_page_cache.labels("hit").inc()
            return _response(body)
    with snapshot():
        query = query_for()
        statement = statement_of(query.queryset)
        key = page_key(request_key, rows_spelled(statement))
        body = PAGES.get(key) if key else None  # built by another process
        if body is None:
            body = JSONRenderer().render(body_for(*page_rows(query)))
            if key:
                PAGES.set(key, body, timeout=TIMEOUT)
            metrics.api_page_cache.labels("miss" if key else "uncacheable").inc()
        else:
            metrics.api_page_cache.labels("hit").inc()
    if reuse_statement:
        STATEMENTS.put(request_key, statement)
    return _response(body)


def page_key(request_key: tuple, rows: list[tuple]) -> str | None:
    """The cache key of the page for this request, day and rows; None when a row holds a
    value without one exact spelling (then the page is built every time)."""
    return digest_key(f"ow:apipage:{code_stamp()}", [request_key, rows])


def _response(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type=JSONRenderer.media_type)
