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

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import contextmanager
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from django.core.cache import cache as shared_cache
from django.core.signals import setting_changed
from django.db import connection, transaction
from django.http import HttpResponse
from django.utils import timezone

from api.cursor import PageQuery, page_rows
from api.renderers import JSONRenderer
from ops import metrics

# Ten minutes: a page unchanged for longer is cheap to build once more.
TIMEOUT = 600
STATEMENT_SLOTS = 512
PROJECT = Path(__file__).resolve().parents[1]
# The packages whose code builds a page (a deploy that changes any of them voids every page).
PACKAGES = ("api", "diligence", "offerings", "records", "config")


@cache
def code_stamp() -> str:
    digest = hashlib.sha256()
    for package in PACKAGES:
        for path in sorted((PROJECT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                digest.update(path.relative_to(PROJECT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class Statements:
    """SQL and parameters by request, the least recently used dropped past `slots`."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._entries: OrderedDict[tuple, tuple[str, tuple]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> tuple[str, tuple] | None:
        with self._lock:
            statement = self._entries.get(key)
            if statement is not None:
                self._entries.move_to_end(key)
            return statement

    def put(self, key: tuple, statement: tuple[str, tuple]) -> None:
        with self._lock:
            self._entries[key] = statement
            self._entries.move_to_end(key)
            while len(self._entries) > self.slots:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


STATEMENTS = Statements(STATEMENT_SLOTS)


def _settings_changed(**kwargs) -> None:
    # A statement holds what the settings gave it (the page size): tests change settings.
    STATEMENTS.clear()


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
        key = page_key(request_key, _rows(statement))
        body = shared_cache.get(key) if key else None
        if body is not None:
            metrics.api_page_cache.labels("hit").inc()
            return _response(body)
    with _snapshot():
        query = query_for()
        statement = _statement(query)
        key = page_key(request_key, _rows(statement))
        body = shared_cache.get(key) if key else None  # built by another process
        if body is None:
            body = JSONRenderer().render(body_for(*page_rows(query)))
            if key:
                shared_cache.set(key, body, timeout=TIMEOUT)
            metrics.api_page_cache.labels("miss" if key else "uncacheable").inc()
        else:
            metrics.api_page_cache.labels("hit").inc()
    if reuse_statement:
        STATEMENTS.put(request_key, statement)
    return _response(body)


def page_key(request_key: tuple, rows: list[tuple]) -> str | None:
    """The cache key of the page for this request, day and rows; None when a row holds a
    value without one exact spelling (then the page is built every time)."""
    try:
        spelled = orjson.dumps([request_key, rows], default=_spelled)
    except TypeError:
        return None
    digest = hashlib.blake2b(spelled, digest_size=20).hexdigest()
    return f"ow:apipage:{code_stamp()}:{digest}"


def _spelled(value: Any) -> str:
    # Decimals as written (1.50 and 1.5 are one number but two spellings on the page); any
    # other type orjson does not spell (bytes, memoryview: its repr is an address) refuses.
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def _statement(query: PageQuery) -> tuple[str, tuple]:
    sql, params = query.queryset.query.sql_with_params()
    return sql, tuple(params)


# PostgreSQL types whose values the digest reads as the server spells them: no parsing into
# Python objects (a page's timestamps alone took a seventh of a warm list request), and text is
# the exact spelling anyway. Any type not named here arrives as text already.
_AS_TEXT = (
    *("timestamptz", "timestamp", "date", "time", "interval", "numeric"),
    *("int2", "int4", "int8", "float4", "float8", "bool", "json", "jsonb", "uuid", "inet"),
)


def _rows(statement: tuple[str, tuple]) -> list[tuple]:
    sql, params = statement
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg.types.string import TextLoader

            for name in _AS_TEXT:
                cursor.cursor.adapters.register_loader(name, TextLoader)
        cursor.execute(sql, params)
        return cursor.fetchall()


@contextmanager
def _snapshot():
    """One snapshot for every read inside (a caller's transaction is used as it is)."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield


def _response(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type=JSONRenderer.media_type)
