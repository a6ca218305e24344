"""A key kept by a web process (accounts.auth_cache) stops working at once when another process
revokes it: `manage.py revoke_api_key` run for real against the same PostgreSQL and Redis."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import auth_cache
from tests.integration.conftest import ROOT, ApiCaller, database_url, redis_server

__all__ = ["redis_server"]  # the fixture

LIST = "/api/v1/offerings/"


@pytest.fixture
def shared_cache(settings, redis_server, postgres):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
        }
    }
    settings.AUTH_KEPT_IN_PROCESS = True
    return redis_server


def manage(*args: str, redis_url: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "CACHE_URL": redis_url,
        "DJANGO_DEBUG": "0",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_key_revoked_by_another_process_is_refused_at_the_next_request(shared_cache):
    caller = ApiCaller(Client(raise_request_exception=False))
    assert caller.get(LIST).status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert caller.get(LIST).status_code == 200
    assert not any('FROM "api_apikey"' in q["sql"] for q in captured.captured_queries)
    generation = auth_cache.generation()

    done = manage("revoke_api_key", "--name", "drill", redis_url=shared_cache.url)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Revoked 1 key(s)" in done.stdout

    assert auth_cache.generation() != generation  # said through Redis, by the other process
    response = caller.get(LIST)
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
