"""Sessions read from a shared Redis cache first (cached_db, chosen when CACHE_URL is set): a
page reads its session without a query, and a signed-out session is refused everywhere at
once, by another process's client too (Redis is shared; both read it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from diligence.roles import role_assign
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _engine(env: dict[str, str]) -> str:
    clean = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "REDIS_URL")}
    return subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SESSION_ENGINE)"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.strip()


def test_the_session_engine_follows_the_cache():
    assert _engine({"CACHE_URL": "redis://127.0.0.1:6379/0"}).endswith(".cached_db")
    # A per-process cache would let another process keep a signed-out session.
    assert _engine({}).endswith(".db")


@pytest.fixture
def redis_sessions(settings, redis_server):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
        }
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    yield
    caches["default"].clear()


@pytest.mark.django_db
def test_a_page_reads_its_session_from_the_cache_and_sign_out_ends_it_everywhere(
    redis_sessions,
):
    user = UserFactory(username="cached-analyst")
    role_assign(user=user, role="analyst")
    browser = Client()
    browser.force_login(user)
    cookie = browser.cookies["sessionid"].value
    elsewhere = Client()  # another process's client with the same cookie
    elsewhere.cookies["sessionid"] = cookie

    assert browser.get("/offerings/").status_code == 200
    with CaptureQueriesContext(connection) as captured:
        assert elsewhere.get("/offerings/").status_code == 200
    sessions_read = [q for q in captured.captured_queries if "django_session" in q["sql"]]
    assert sessions_read == []

    browser.post("/accounts/logout/")
    answer = elsewhere.get("/offerings/")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
