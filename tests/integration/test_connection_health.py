"""ops.postgresql: a reused connection is checked without a round trip while the server has
sent nothing on it, and replaced when the server ended it."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import close_old_connections, connection, connections

from ops.postgresql.base import DatabaseWrapper

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the backend is PostgreSQL's"),
    pytest.mark.django_db(transaction=True),
]


def test_the_postgresql_backend_is_ours():
    assert isinstance(connections["default"], DatabaseWrapper)


def test_an_idle_healthy_connection_is_usable_without_asking_the_server(monkeypatch):
    connection.ensure_connection()
    asked = []
    monkeypatch.setattr(
        "django.db.backends.postgresql.base.DatabaseWrapper.is_usable",
        lambda self: asked.append(1) or True,
    )
    assert connection.is_usable()
    assert asked == []


def test_a_connection_the_server_ended_is_replaced_before_the_next_request(settings):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    connection.health_check_enabled = True  # as CONN_HEALTH_CHECKS gives a request
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("server_side_binding", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not connection.is_usable()
    close_old_connections()  # a request's start: obsolete or broken connections go
    connection.health_check_done = False
    with connection.cursor() as cursor:  # the next request's first query
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
