"""Querysets built and compiled once per process, then run again with other values.

Building a queryset and compiling it to SQL costs more CPU than the database spends running
most of the hot path's queries (`python -m bench.cpu --profile "api detail" --functions`: a
fifth of an API request went on `SQLCompiler.as_sql` and the `annotate`/`filter` calls before
it). A `PreparedQuery` builds its queryset once, with a stand-in value for each parameter,
compiles it, notes where each stand-in sits among the statement's parameters, and from then on
runs that statement with the values given. Its rows become model instances (or values) through
Django's own iterables, exactly as the queryset's would: select_related, annotations, deferred
fields and prefetch_related (run as usual, after the rows) included.

The rule for a caller: only the parameters may vary. A queryset whose SQL depends on anything
else (today's date, a setting, a row read while building it) must make that a parameter, or
must not be prepared. Two guards:
- compiling refuses a stand-in that is not found among the parameters exactly where a value
  goes (inlined into the SQL, transformed by a lookup, or absent);
- with PREPARED_QUERIES_VERIFY (on in the tests) every run also builds and compiles the
  queryset with the real values and raises when that statement differs from the prepared one,
  so the whole test suite checks every prepared query against Django's own compilation.

Compiled statements are per process, and dropped when a setting changes
(tests change settings; a statement may hold what settings gave it).
"""

from __future__ import annotations

import copy
import secrets
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import connections
from django.db.models import QuerySet

_ALL: weakref.WeakSet[PreparedQuery] = weakref.WeakSet()


def _stand_in(kind: type) -> Any:
    """A value of `kind` no real parameter will equal (an int inside 32 bits: Django turns an
    out-of-range integer lookup into an empty result instead of a parameter)."""
    if kind is str:
        return f"ow-prepared-{secrets.token_hex(12)}"
    if kind is int:
        return 1_000_000_000 + secrets.randbelow(1_000_000_000)
    raise ImproperlyConfigured(f"a prepared parameter must be str or int, not {kind.__name__}")


def _substitutable(value: Any, kind: type) -> bool:
    if type(value) is not kind:
        return False
    return kind is not int or -(2**63) <= value < 2**63


@dataclass(frozen=True)
class _Compiled:
    queryset: QuerySet
    compiler: Any
    sql: str
    params: tuple
    slots: dict[str, tuple[int, ...]]

    def params_with(self, values: dict[str, Any]) -> tuple:
        params = list(self.params)
        for name, positions in self.slots.items():
            for position in positions:
                params[position] = values[name]
        return tuple(params)


class PreparedQuery:
    """`build(**parameters)` returns the queryset; `fetch(**values)` its rows as a list.

    `parameters` names each parameter with its type (str or int); a value of another type
    (None, say) is run through `build` and compiled as usual."""

    def __init__(self, build: Callable[..., QuerySet], **parameters: type) -> None:
        self._build = build
        self._parameters = parameters
        self._statement: _Compiled | None = None
        self._lock = threading.Lock()
        _ALL.add(self)

    def fetch(self, **values: Any) -> list:
        if values.keys() != self._parameters.keys():
            raise TypeError(f"fetch() takes {sorted(self._parameters)}, got {sorted(values)}")
        if not all(_substitutable(value, self._parameters[name]) for name, value in values.items()):
            # A lookup casts another type (or compiles None to IS NULL, or an integer out of
            # range to no query at all) when it compiles, which a substituted parameter would
            # skip: such a value takes Django's own path.
            return list(self._build(**values))
        compiled = self._compiled_statement()
        params = compiled.params_with(values)
        if getattr(settings, "PREPARED_QUERIES_VERIFY", False):
            self._verify(compiled, params, values)
        queryset = compiled.queryset._chain()
        compiler = copy.copy(compiled.compiler)
        # The connection of this thread: the compiler was made on whichever thread compiled.
        compiler.connection = connections[queryset.db]
        compiler.as_sql = lambda *args, **kwargs: (compiled.sql, params)
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(queryset)

    def clear(self) -> None:
        with self._lock:
            self._statement = None

    def _compiled_statement(self) -> _Compiled:
        compiled = self._statement
        if compiled is None:
            with self._lock:
                if self._statement is None:
                    self._statement = self._compile()
                compiled = self._statement
        return compiled

    def _compile(self) -> _Compiled:
        stand_ins = {name: _stand_in(kind) for name, kind in self._parameters.items()}
        queryset = self._build(**stand_ins)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        params = tuple(params)
        slots = {}
        for name, stand_in in stand_ins.items():
            positions = tuple(
                index
                for index, param in enumerate(params)
                if type(param) is type(stand_in) and param == stand_in
            )
            if not positions or str(stand_in) in sql:
                raise ImproperlyConfigured(
                    f"the parameter {name!r} of {self._build!r} does not reach the statement "
                    "as a parameter of its own (inlined, transformed or unused): it cannot be "
                    "prepared"
                )
            slots[name] = positions
        return _Compiled(queryset, compiler, sql, params, slots)

    def _verify(self, compiled: _Compiled, params: tuple, values: dict[str, Any]) -> None:
        queryset = self._build(**values)
        sql, fresh = queryset.query.get_compiler(using=queryset.db).as_sql()
        if (sql, tuple(fresh)) != (compiled.sql, params):
            raise AssertionError(
                f"{self._build!r} compiles to another statement than the prepared one for "
                f"{values!r}: something besides its parameters changed its SQL\n"
                f"prepared: {compiled.sql} {params!r}\nfresh:    {sql} {tuple(fresh)!r}"
            )


def prepared_clear(**kwargs) -> None:
    for query in list(_ALL):
        query.clear()


setting_changed.connect(prepared_clear, dispatch_uid="ops.prepared.clear")
