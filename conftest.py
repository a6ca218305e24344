"""Fixtures every test folder shares (the folders' own conftest.py add their personas)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test.utils import CaptureQueriesContext


def _signed_in_user_kept(client) -> None:
    """Keep the signed-in user and their permissions (not counted), as a first page would have
    (accounts.auth_cache)."""
    from django.conf import settings

    # client.session would start a session for a visitor without one: look at the cookie first.
    cookies = getattr(client, "cookies", {})
    if settings.SESSION_COOKIE_NAME not in cookies:
        return
    user_id = client.session.get("_auth_user_id")
    if user_id:
        from accounts.backends import user_loaded

        user = user_loaded(int(user_id))
        if user is not None:
            user.get_all_permissions()


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

    The count is a signed-in user's steady state: the user and their permissions are kept, as
    after their first page (accounts.auth_cache reads them once, then until anything changes).
    """

    def fetch(
        client, url: str, data: dict[str, Any] | None = None, *, status: int = 200, **headers
    ) -> PageQueries:
        _signed_in_user_kept(client)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, data, **headers)
        assert response.status_code == status, f"GET {url}: {response.status_code}"
        return PageQueries(len(captured), response, [query["sql"] for query in captured])

    return fetch
