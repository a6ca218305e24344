"""Idempotency-Key: a repeated POST replays the first reply instead of creating twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from api.models import IdempotentReply
from offerings.models import Offering
from tests.api.test_access import problem

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offerings/"
WRITE = ("offerings:read", "offerings:write")
RECORD = {"name": "Once Only", "kind": "ico"}


@pytest.fixture
def writer(api_key, api_client):
    return api_client(api_key(scopes=WRITE))


def test_a_repeat_replays_the_first_reply_and_creates_nothing(writer):
    first = writer.post(LIST, RECORD, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    again = writer.post(LIST, RECORD, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Offering.objects.count() == 1


def test_the_same_key_with_another_body_is_a_422(writer):
    writer.post(LIST, RECORD, headers={"Idempotency-Key": "k-1"})
    other = writer.post(LIST, {**RECORD, "name": "Other"}, headers={"Idempotency-Key": "k-1"})
    assert problem(other, 422)["type"].endswith(":idempotency_mismatch")
    assert Offering.objects.count() == 1


def test_keys_are_scoped_to_the_api_key(writer, api_key, api_client):
    writer.post(LIST, RECORD, headers={"Idempotency-Key": "k-1"})
    other = api_client(api_key(scopes=WRITE))
    response = other.post(LIST, {**RECORD, "name": "Second"}, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 201
    assert Offering.objects.count() == 2


def test_a_failed_request_stores_nothing_so_a_fixed_retry_may_reuse_the_key(writer):
    bad = writer.post(LIST, {"name": "Fixed", "kind": "nope"}, headers={"Idempotency-Key": "k-2"})
    assert bad.status_code == 400
    assert not IdempotentReply.objects.exists()
    assert writer.post(LIST, RECORD, headers={"Idempotency-Key": "k-2"}).status_code == 201


def test_a_repeat_while_the_first_is_running_is_a_409(writer):
    writer.post(LIST, RECORD, headers={"Idempotency-Key": "k-3"})
    IdempotentReply.objects.update(status=None)
    response = writer.post(LIST, RECORD, headers={"Idempotency-Key": "k-3"})
    assert problem(response, 409)["type"].endswith(":idempotency_in_progress")


def test_after_24_hours_the_key_creates_again(writer):
    writer.post(LIST, RECORD, headers={"Idempotency-Key": "k-4"})
    IdempotentReply.objects.update(created_at=timezone.now() - dt.timedelta(hours=25))
    again = writer.post(LIST, {**RECORD, "name": "Next Day"}, headers={"Idempotency-Key": "k-4"})
    assert again.status_code == 201
    assert Offering.objects.count() == 2


def test_an_overlong_key_is_refused(writer):
    response = writer.post(LIST, RECORD, headers={"Idempotency-Key": "k" * 300})
    assert problem(response, 400)["errors"][0]["field"] == "Idempotency-Key"


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_create_one_offering(api_key, api_client):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so nothing races")
    made = api_key(scopes=WRITE)
    statuses: list[int] = []
    start = threading.Barrier(4)

    def post() -> None:
        client = api_client(made)
        start.wait()
        statuses.append(client.post(LIST, RECORD, headers={"Idempotency-Key": "race"}).status_code)
        connection.close()

    threads = [threading.Thread(target=post) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Offering.objects.count() == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
