"""One error shape everywhere under /api/: 404, 405, 415, 429 (with Retry-After), 500."""

from __future__ import annotations

import secrets

import pytest
from django.test import Client

from api.models import AuditEvent
from tests.api.test_access import problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/", "/api/v1/", "/api/v2/offerings/", "/api/v1/offerings"])
def test_unknown_api_urls_are_404_problems_not_html(path):
    response = Client().get(path)
    body = problem(response, 404)
    assert path in body["detail"]


def test_a_method_the_endpoint_lacks_is_a_405_problem(read_client, api_client):
    response = read_client.post("/api/v1/checklist/", {})
    body = problem(response, 405)
    assert "POST" in body["detail"]
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert problem(read_client.request("PUT", "/api/v1/offerings/x/"), 405)
    # ...but only once the key is known.
    assert problem(api_client(None).post("/api/v1/checklist/", {}), 401)


def test_a_body_in_another_media_type_is_a_415_problem(api_key, api_client):
    client = api_client(api_key(scopes=("offerings:read", "offerings:write")))
    response = client.request(
        "POST", "/api/v1/offerings/", raw_body=b"name=x", headers={"Content-Type": "text/plain"}
    )
    assert problem(response, 415)


def test_an_unexpected_error_is_a_generic_logged_500(read_client, monkeypatch, caplog):
    from api.views import diligence

    def explode():
        raise RuntimeError("secret internals")

    monkeypatch.setattr(diligence, "methodology", explode)
    response = read_client.get("/api/v1/checklist/")
    body = problem(response, 500)
    assert "secret internals" not in response.content.decode()
    assert body["detail"].startswith("the server failed")
    assert "secret internals" in caplog.text


def test_the_key_rate_limit_answers_429_with_retry_after(
    read_client, api_key, api_client, settings
):
    settings.API_THROTTLE_KEY_RATE = "3/minute"
    statuses = [read_client.get("/api/v1/checklist/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = read_client.get("/api/v1/checklist/")
    body = problem(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "retry in" in body["detail"]
    # Each key has its own allowance.
    assert api_client(api_key()).get("/api/v1/checklist/").status_code == 200


def test_requests_without_a_valid_key_are_limited_per_ip(api_client, read_client, settings):
    settings.API_THROTTLE_ANON_RATE = "2/minute"
    guesser = api_client(None, remote_addr="198.51.100.9")
    bad = {"Authorization": "Bearer ow_live_guessing"}
    statuses = [guesser.get("/api/v1/offerings/", headers=bad).status_code for _ in range(3)]
    assert statuses == [401, 401, 429]
    assert "Retry-After" in guesser.get("/api/v1/offerings/").headers
    other = api_client(None, remote_addr="198.51.100.10").get("/api/v1/offerings/")
    assert other.status_code == 401
    assert AuditEvent.objects.filter(action="denied").count() == 3
    # Valid keys are not counted against their address.
    assert [read_client.get("/api/v1/checklist/").status_code for _ in range(3)] == [200] * 3


def test_a_post_to_an_unknown_api_url_is_a_404_problem_not_a_csrf_page():
    response = Client(enforce_csrf_checks=True).post("/api/v1/nothing/", {})
    assert problem(response, 404)


def test_the_error_handlers_answer_problems_only_under_api(rf):
    from api.problems import handler404, handler500

    assert handler500(rf.get("/api/v1/x/"))["Content-Type"] == "application/problem+json"
    assert handler404(rf.get("/api/v1/x/")).status_code == 404
    assert "text/html" in handler500(rf.get("/offerings/"))["Content-Type"]


@pytest.fixture
def redis_cache(settings):
    """The throttle counters in a real Redis (database 15), as in production."""
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    from django.core.cache import cache

    cache.clear()
    yield redis.Redis.from_url(url)
    cache.clear()


def test_throttle_counters_live_in_redis_and_are_shared(redis_cache, read_client, settings):
    settings.API_THROTTLE_KEY_RATE = "2/minute"
    answers = [read_client.get("/api/v1/checklist/") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 0 < int(answers[2]["Retry-After"]) <= 60
    key_id = read_client.made.key.key_id
    stored = [name for name in redis_cache.keys("*") if key_id.encode() in name]
    assert stored, "the per-key counter should be in Redis, where every process sees it"


def test_the_redis_throttle_window_slides(redis_cache, read_client, settings):
    import time

    settings.API_THROTTLE_KEY_RATE = "2/second"
    assert [read_client.get("/api/v1/checklist/").status_code for _ in range(3)] == [200, 200, 429]
    time.sleep(1.1)
    assert read_client.get("/api/v1/checklist/").status_code == 200


def test_concurrent_requests_are_each_counted_once(redis_cache):
    """Forty requests at once from eight threads against a limit of 15: exactly 15 pass (a
    read-then-write log lets more through when requests overlap)."""
    from concurrent.futures import ThreadPoolExecutor

    import redis

    from api.throttling import _sliding_log

    def request(_) -> bool:
        client = redis.Redis(host="127.0.0.1", port=6379, db=15)
        allowed, _wait = _sliding_log(client)(
            keys=["ow:throttle:concurrent"], args=[60, 15, secrets.token_hex(8)], client=client
        )
        return bool(int(allowed))

    with ThreadPoolExecutor(max_workers=8) as pool:
        passed = sum(pool.map(request, range(40)))
    assert passed == 15
    assert redis_cache.zcard("ow:throttle:concurrent") == 15


def test_an_oversized_body_is_a_413_problem(api_key, api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = api_client(api_key(scopes=("offerings:read", "offerings:write")))
    response = client.post("/api/v1/offerings/", {"name": "x" * 2000, "kind": "ico"})
    assert problem(response, 413)
