"""Regression: an approval survived an edit through the API (see also
tests/diligence/test_approval_staleness.py for the admin and the import)."""

from __future__ import annotations

import pytest

from offerings.models import Offering
from tests.diligence.test_approval_staleness import _approve, _assert_reopened

pytestmark = pytest.mark.django_db


def test_an_edit_through_the_api_reopens_an_offering_in_review(api_key, api_client):
    client = api_client(api_key(scopes=("offerings:read", "offerings:write")))
    assert client.post("/api/v1/offerings/", {"name": "Delta", "kind": "ico"}).status_code == 201
    offering = Offering.objects.get(slug="delta")
    approved = _approve(offering)
    assert client.patch("/api/v1/offerings/delta/", {"hard_cap": "6000000"}).status_code == 200
    _assert_reopened(offering, approved)
