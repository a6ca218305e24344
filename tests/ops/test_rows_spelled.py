"""ops.row_digest.rows_spelled: rows spelled for a digest tell apart any two different rows."""

from __future__ import annotations

import pytest
from django.db import connection

from ops.row_digest import rows_spelled

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="PostgreSQL spells a row as text (elsewhere: the driver's values)",
    ),
]

ROWS = [
    "SELECT NULL::text AS a, 'x' AS b",
    "SELECT ''::text AS a, 'x' AS b",
    "SELECT 'x,' AS a, '' AS b",
    "SELECT 'x' AS a, ',' AS b",
    "SELECT '\"' AS a, NULL AS b",
    "SELECT 1.50::numeric AS a, NULL AS b",
    "SELECT 1.5::numeric AS a, NULL AS b",
    "SELECT 1 AS a, 1 AS a",  # a column name twice, as joined tables give
    "SELECT 1 AS a, 2 AS a",
]


def test_different_rows_are_spelled_differently_and_the_same_rows_alike():
    spelled = [rows_spelled((sql, ())) for sql in ROWS]
    assert len({repr(rows) for rows in spelled}) == len(ROWS)
    assert [rows_spelled((sql, ())) for sql in ROWS] == spelled


def test_postgresql_spells_a_row_as_one_text_in_the_statement_s_order():
    sql = "SELECT n, n * 2 AS twice FROM generate_series(3, 1, -1) AS n ORDER BY n DESC LIMIT %s"
    assert rows_spelled((sql, (3,))) == [("(3,6)",), ("(2,4)",), ("(1,2)",)]
