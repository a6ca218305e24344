"""A row inserted only if no row holds its unique values yet, in one statement.

A claim (a signature's nonce, an Idempotency-Key) is a row that a unique constraint lets exist
once. Django's way to try one, `create()` inside `atomic()` and catch the IntegrityError, takes
three round trips to the database (the insert between BEGIN and COMMIT, or a savepoint and its
release inside a transaction), on every signed write. `INSERT … ON CONFLICT (…) DO NOTHING
RETURNING` (PostgreSQL, and SQLite since 3.35) says in one whether the row went in, and a
conflict aborts nothing, so the statement needs no transaction of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connections, models, router


def claimed(instance: models.Model, *, unique: Sequence[str]) -> bool:
    """Insert `instance` (unsaved) unless a row already holds its values of the fields
    `unique` (a unique constraint's); True, with `instance.pk` set, when it went in."""
    model = type(instance)
    meta = model._meta
    database = router.db_for_write(model, instance=instance)
    connection = connections[database]
    quote = connection.ops.quote_name
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    conflict = ", ".join(quote(meta.get_field(name).column) for name in unique)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
        f"VALUES ({', '.join(['%s'] * len(fields))}) "
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding, instance._state.db = False, database
    return True
