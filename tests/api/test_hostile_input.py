"""Attacks from the outside test (issue 12, part A): each request that froze a worker, crashed
with a 500, leaked a key or earned a huge answer, now answered with a short problem."""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

import pytest
from django.utils import timezone

from api.client import signature_headers
from api.models import AuditEvent, SignatureNonce
from api.permissions import SignatureRejected, nonce_use
from api.tasks import prune_api_records
from offerings.models import Offering
from tests.api.test_access import problem
from tests.factories import OfferingFactory

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offerings/"
WRITE = ("offerings:read", "offerings:write")


@pytest.fixture
def writer(api_key):
    return api_key(scopes=WRITE)


def validation_errors(response) -> list[dict]:
    return problem(response, 400)["errors"]


# ---- 1. numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["1e800000", 1e308, "9" * 5000])
def test_a_huge_team_size_is_a_field_error_at_once_not_a_frozen_worker(writer, api_client, raw):
    started = time.perf_counter()
    response = api_client(writer).post(LIST, {"name": "Freeze", "kind": "ico", "team_size": raw})
    assert time.perf_counter() - started < 2
    (error,) = validation_errors(response)
    assert error["field"] == "team_size"
    assert error["rule"].startswith("must be a whole number below 10^12")
    assert len(response.content) < 2_000
    assert not Offering.objects.exists()


def test_a_huge_amount_in_a_patch_is_a_field_error(writer, api_client):
    OfferingFactory(slug="acme")
    response = api_client(writer).patch("/api/v1/offerings/acme/", {"hard_cap": "1e1300000"})
    (error,) = validation_errors(response)
    assert (error["field"], error["rule"]) == ("hard_cap", "must be below 10^30")


def test_shares_too_large_to_add_up_are_field_errors_not_a_decimal_overflow(writer, api_client):
    shares = [{"bucket": "team", "percent": "9e999999"}, {"bucket": "other", "percent": "9e999999"}]
    response = api_client(writer).post(LIST, {"name": "O", "kind": "ico", "allocations": shares})
    errors = validation_errors(response)
    assert [e["field"] for e in errors] == ["allocations[0].percent", "allocations[1].percent"]


def test_a_small_request_earns_a_small_answer(writer, api_client):
    # 80 bytes that used to earn 1.3 MB: a soft cap "above" a hard cap of 10^1300000.
    record = {"name": "B", "kind": "ico", "soft_cap": "1e1300000", "hard_cap": "1"}
    response = api_client(writer).post(LIST, record)
    assert response.status_code == 400
    assert len(response.content) < 2_000


def test_a_long_value_is_quoted_cut_short(writer, api_client):
    response = api_client(writer).post(LIST, {"name": "L", "kind": "ico", "slug": "s" * 50_000})
    (error,) = validation_errors(response)
    assert error["value"].endswith("(50,000 characters)")
    assert len(response.content) < 2_000


# ---- 8. malformed input answers 400, never 500 -------------------------------------------------


def test_an_impossible_updated_since_date_is_a_field_error(read_client):
    response = read_client.get(LIST, {"updated_since": "2026-02-30T00:00:00Z"})
    (error,) = validation_errors(response)
    assert error["field"] == "updated_since"


@pytest.mark.parametrize(
    "timestamp", ["\u00b9\u2077\u2076\u2077", "\u0661\u0667\u0666\u0667", "9" * 40]
)
def test_a_timestamp_in_other_digits_is_refused(writer, api_client, timestamp):
    response = api_client(writer).post(
        LIST, {"name": "T", "kind": "ico"}, signature_overrides={"X-OW-Timestamp": timestamp}
    )
    assert problem(response, 401)["type"].endswith(":signature_timestamp")


@pytest.mark.parametrize("size", ["\u00b2", "\u0665", "9" * 40])
def test_a_page_size_in_other_digits_is_refused(read_client, size):
    (error,) = validation_errors(read_client.get(LIST, {"page_size": size}))
    assert error["field"] == "page_size"


@pytest.mark.parametrize(
    "values",
    [
        ["1e999999999", "2026-01-01", "x", 1],
        [{"a": 1}, "x", "y", 1],
        ["9" * 300, "2026-01-01", "x", 1],
    ],
    ids=["decimal-overflow", "object", "long-number"],
)
def test_a_forged_cursor_is_a_field_error(read_client, values):
    OfferingFactory.create_batch(2)
    cursor = base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")
    response = read_client.get(LIST, {"ordering": "-score", "cursor": cursor})
    (error,) = validation_errors(response)
    assert error["field"] == "cursor"


def test_json_nested_a_thousand_levels_deep_is_refused(writer, api_client):
    body = ("[" * 1000 + "]" * 1000).encode()
    response = api_client(writer).post(LIST, raw_body=b'{"team": ' + body + b"}")
    assert "deeper than 8 levels" in problem(response, 400)["detail"]
    deeper = ("[" * 100_000 + "]" * 100_000).encode()
    assert api_client(writer).post(LIST, raw_body=deeper).status_code == 400


def test_a_record_nested_past_the_format_is_refused(writer, api_client):
    record = {"name": "N", "kind": "ico", "team": [{"name": [[["x"]]]}]}
    (error,) = validation_errors(api_client(writer).post(LIST, record))
    assert "deeper than 4 levels" in error["rule"]


@pytest.mark.parametrize("text", ['"\\ud800"', '"a\\udfffb"', '"\\u0000"'])
def test_lone_surrogates_and_nul_characters_are_field_errors(writer, api_client, text):
    body = ('{"name": "S", "kind": "ico", "description": ' + text + "}").encode()
    (error,) = validation_errors(api_client(writer).post(LIST, raw_body=body))
    assert error["field"] == "description"
    assert not Offering.objects.exists()


def test_a_venue_name_longer_than_its_column_is_a_field_error(writer, api_client):
    record = {"name": "V", "kind": "ieo", "venue": "v" * 121}
    (error,) = validation_errors(api_client(writer).post(LIST, record))
    assert (error["field"], error["rule"]) == ("venue", "must be at most 120 characters (got 121)")


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("description", "d" * 20_001, "must be at most 20,000 characters (got 20,001)"),
        ("claims", "c" * 20_001, "must be at most 20,000 characters (got 20,001)"),
        ("postal_address", "p" * 1_001, "must be at most 1,000 characters (got 1,001)"),
        ("backers", ["b"] * 201, "must have at most 200 entries (got 201)"),
        ("backers", ["b" * 201], "must have entries of at most 200 characters"),
        ("team", [{"name": "x"}] * 201, "must have at most 200"),
        ("rounds", [{"kind": "seed"}] * 21, "must have at most 20"),
        ("allocations", [{"bucket": "team", "percent": "1"}] * 51, "must have at most 50"),
        ("socials", {"twitter": "https://x.com/" + "a" * 500}, "must be at most 500 characters"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None,
)
def test_every_field_has_a_size_limit_named_in_its_error(writer, api_client, field, value, rule):
    response = api_client(writer).post(LIST, {"name": "Big", "kind": "ico", field: value})
    (error,) = validation_errors(response)
    assert error["field"].startswith(field)
    assert error["rule"].startswith(rule)


# ---- 8. nonces and keys in URLs -------------------------------------------------------------


def test_a_nonce_is_kept_until_its_timestamp_can_no_longer_be_accepted(writer, settings):
    window = settings.API_SIGNATURE_WINDOW_SECONDS
    now = timezone.now()
    edge = SignatureNonce.objects.create(
        api_key=writer.key, nonce="e" * 16, created_at=now - dt.timedelta(seconds=2 * window + 1)
    )
    gone = SignatureNonce.objects.create(
        api_key=writer.key, nonce="g" * 16, created_at=now - dt.timedelta(seconds=2 * window + 3)
    )
    nonce_use(api_key=writer.key, nonce="n" * 16)
    assert SignatureNonce.objects.count() == 3  # a write only inserts its own
    schedule = settings.CELERY_BEAT_SCHEDULE["prune-api-records"]
    assert schedule["task"] == "api.tasks.prune_api_records"
    assert prune_api_records() == (1, 0)  # celery beat's prune
    kept = set(SignatureNonce.objects.values_list("pk", flat=True))
    assert edge.pk in kept  # a replay of its request could still pass the timestamp check
    assert gone.pk not in kept


def test_a_nonce_used_twice_is_a_replay_and_the_second_use_writes_nothing(
    writer, api_key, django_assert_num_queries
):
    with django_assert_num_queries(1):
        nonce_use(api_key=writer.key, nonce="r" * 16)
    with pytest.raises(SignatureRejected) as refused, django_assert_num_queries(1):
        nonce_use(api_key=writer.key, nonce="r" * 16)
    assert refused.value.reason == "signature_replayed"
    # Another key may use the same nonce.
    nonce_use(api_key=api_key(scopes=WRITE).key, nonce="r" * 16)
    assert SignatureNonce.objects.filter(nonce="r" * 16).count() == 2


@pytest.mark.parametrize(
    "where",
    ["repeated", "name", "path", "encoded"],
)
def test_a_key_anywhere_in_the_url_is_refused_and_never_echoed(api_key, api_client, where):
    made = api_key()
    key = made.plaintext
    url = {
        "repeated": f"{LIST}?q={key}&q=a",
        "name": f"{LIST}?{key}=1",
        "path": f"/api/v1/offerings/{key}/",
        "encoded": f"{LIST}?q=" + "".join(f"%{byte:02X}" for byte in key.encode()),
    }[where]
    response = api_client(made).django.get(url, headers={"Authorization": f"Bearer {key}"})
    body = problem(response, 401)
    assert "URL" in body["detail"]
    assert key not in response.content.decode()
    event = AuditEvent.objects.get(action="denied")
    assert key not in f"{event.path} {event.reason}"


def test_a_key_in_an_unknown_api_path_is_not_echoed(api_key, client):
    key = api_key().plaintext
    response = client.get(f"/api/nothing/{key}/")
    assert problem(response, 404)
    assert key not in response.content.decode()


# ---- signatures bind the key id and the host ---------------------------------------------


def _signed(writer, *, key_id: str, host: str, body: bytes) -> dict[str, str]:
    return signature_headers(
        private_key=writer.private_key,
        key_id=key_id,
        host=host,
        method="POST",
        path=LIST,
        query="",
        body=body,
    )


def test_a_signature_for_another_host_fails(writer, api_client):
    body = b'{"name": "H", "kind": "ico"}'
    headers = _signed(writer, key_id=writer.key.key_id, host="staging.example", body=body)
    response = api_client(writer).post(LIST, raw_body=body, sign=False, headers=headers)
    assert problem(response, 401)["type"].endswith(":signature_invalid")


def test_a_signature_for_another_key_id_fails(writer, api_key, api_client):
    # Two keys sharing one Ed25519 key pair: a request signed for one is refused with the other.
    other = api_key(scopes=WRITE)
    other.key.public_key = writer.key.public_key
    other.key.save()
    body = b'{"name": "K", "kind": "ico"}'
    headers = _signed(writer, key_id=writer.key.key_id, host="testserver", body=body)
    response = api_client(other).post(LIST, raw_body=body, sign=False, headers=headers)
    assert problem(response, 401)["type"].endswith(":signature_invalid")
    assert (
        api_client(writer).post(LIST, raw_body=body, sign=False, headers=headers).status_code == 201
    )


def test_the_host_is_compared_without_case(writer, api_client):
    body = b'{"name": "C", "kind": "ico"}'
    headers = _signed(writer, key_id=writer.key.key_id, host="TestServer", body=body)
    assert (
        api_client(writer).post(LIST, raw_body=body, sign=False, headers=headers).status_code == 201
    )


# ---- every /api/ reply: no-store, problems for 400s ---------------------------------------


def test_every_api_reply_says_no_store(read_client, client):
    OfferingFactory(slug="acme")
    replies = [
        read_client.get(LIST),
        read_client.get("/api/v1/offerings/acme/"),
        read_client.get("/api/v1/offerings/missing/"),
        client.get(LIST),
        client.get("/api/nothing/"),
    ]
    assert {reply["Cache-Control"] for reply in replies} == {"no-store"}
    assert "no-store" not in (client.get("/offerings/").get("Cache-Control") or "")


def test_a_host_the_server_does_not_answer_for_is_a_problem(client):
    response = client.get(LIST, headers={"Host": "evil.example"})
    body = problem(response, 400)
    assert "Host" in body["detail"]
    assert "evil.example" not in response.content.decode()
    assert response["Cache-Control"] == "no-store"


def test_a_body_over_the_size_limit_is_a_413_problem(writer, api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    response = api_client(writer).post(LIST, {"name": "x" * 2_000, "kind": "ico"})
    assert problem(response, 413)["type"].endswith(":too_large")


@pytest.mark.parametrize(
    ("param", "value"),
    [("score_min", "1e800000"), ("score_max", "1e-800000"), ("start_from", "2026-02-30")],
)
def test_huge_or_impossible_filter_values_are_field_errors(read_client, param, value):
    (error,) = validation_errors(read_client.get(LIST, {param: value}))
    assert error["field"] == param
