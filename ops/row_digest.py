"""Output served again while the rows it was built from are unchanged: the parts that the API's
list pages (api/page_cache.py) and the analyst list's table rows (analyst/results_cache.py)
share.

The idea: output that is a function of its request, the day, the code and the rows of one or
more queries is kept in the shared cache under a digest of all of them. Every request still
runs its queries (their statements kept per process, so not built or compiled again), and the
output built from the very same rows is taken from the cache. Any change to a row changes the
digest, so nothing is invalidated and nothing stale is served.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
from django.core.cache import cache as shared_cache
from django.db import connection, transaction

PROJECT = Path(__file__).resolve().parents[1]
Statement = tuple[str, tuple]


def code_stamp(paths: Iterable[str]) -> str:
    """A digest of the Python files (and templates) under `paths`, relative to the project: a
    deploy that changes any of them voids what was kept under the old stamp."""
    digest = hashlib.sha256()
    for folder in paths:
        for path in sorted((PROJECT / folder).rglob("*")):
            if path.suffix in (".py", ".html") and "migrations" not in path.parts:
                digest.update(path.relative_to(PROJECT).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


class Statements:
    """SQL and parameters by key, the least recently used dropped past `slots`."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            statement = self._entries.get(key)
            if statement is not None:
                self._entries.move_to_end(key)
            return statement

    def put(self, key: tuple, statement: Any) -> None:
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


class Outputs:
    """Output kept under its digest key (digest_key): in this process's memory, the least
    recently used dropped past `max_bytes`, in front of the shared cache.

    A digest key names one output for good (its request, day, code and rows), so the copy in
    memory is exactly as current as the shared one, and needs no invalidation either. Reading it
    from memory spares the shared cache's round trip and the copy of the output (an API list
    page is 75–180 KB) on every request served again."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, bytes | str] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | str | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
                return value
        value = shared_cache.get(key)
        if value is not None:
            self._keep(key, value)
        return value

    def set(self, key: str, value: bytes | str, timeout: int) -> None:
        shared_cache.set(key, value, timeout=timeout)
        self._keep(key, value)

    def _keep(self, key: str, value: bytes | str) -> None:
        size = len(value)
        if size > self.max_bytes:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            self._size += size - (len(previous) if previous is not None else 0)
            self._entries[key] = value
            while self._size > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._size -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._size = 0

    def __len__(self) -> int:
        return len(self._entries)


def statement_of(queryset) -> Statement:
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)


def rows_read(statement: Statement) -> list[tuple]:
    """The rows of a statement, as the database driver reads them."""
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def rows_spelled(statement: Statement) -> list[tuple]:
    """The rows of a statement as spelled for a digest. PostgreSQL spells each row as one text,
    its record's (`SELECT row::text FROM (statement) row`): every value as the server writes
    it, quoted where needed, NULL apart from an empty string, 1.50 apart from 1.5. One string a
    row instead of a value a column spares the driver reading (and Python building) each
    value only for it to be hashed: a warm API list page's rows are 51 × 30 values."""
    if connection.vendor != "postgresql":
        return rows_read(statement)
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT spelled::text FROM ({sql}) spelled", params)
        return cursor.fetchall()


def digest_key(prefix: str, parts: Any) -> str | None:
    """`prefix:` and a digest of `parts`; None when a value has no one exact spelling (then
    the output is built every time)."""
    try:
        spelled = orjson.dumps(parts, default=_spelled)
    except TypeError:
        return None
    return f"{prefix}:{hashlib.blake2b(spelled, digest_size=20).hexdigest()}"


def _spelled(value: Any) -> str:
    # Decimals as written (1.50 and 1.5 are one number but two spellings on a page); any
    # other type orjson does not spell (bytes, memoryview: its repr is an address) refuses.
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


@contextmanager
def snapshot():
    """One snapshot for every read inside (a caller's transaction is used as it is), so that
    output is never stored under rows other than its own."""
    if connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield
