"""Fixtures every test folder shares (the folders' own conftest.py add their personas)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext


@dataclass(frozen=True)
class PageQueries:
    """A page fetched while counting its database queries."""

    count: int
    response: HttpResponse
    statements: list[str]

    @property
    def html(self) -> str:
        return self.response.content.decode()


@pytest.fixture
def page_queries() -> Callable[..., PageQueries]:
    """The project's one query-count helper: `page_queries(client, url, data, **headers)` GETs
    the page, checks its status (200 unless `status=` says otherwise) and returns how many
    queries it cost, with the response and the SQL.

    Pin the count against a named constant with a comment saying what each query is for, as
    `assert page_queries(client, LIST).count == LIST_QUERIES`; `.statements` holds the SQL for
    the failure message.
    """

    def fetch(
        client, url: str, data: dict[str, Any] | None = None, *, status: int = 200, **headers
    ) -> PageQueries:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, data, **headers)
        assert response.status_code == status, f"GET {url}: {response.status_code}"
        return PageQueries(len(captured), response, [query["sql"] for query in captured])

    return fetch
