"""ops.claims: a row inserted unless its unique values are taken, in one statement."""

from __future__ import annotations

import pytest

from api.models import IdempotentReply
from api.services import api_key_create
from ops.claims import claimed
from tests.conftest import with_role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_claim_goes_in_once_with_its_defaults_and_its_id(django_assert_num_queries):
    owner = with_role(UserFactory(), "editor")
    key, _ = api_key_create(user=owner, name="k", scopes=["offerings:read"], expires_in_days=1)
    first = IdempotentReply(api_key=key, idempotency_key="k-1", request_digest="d" * 64)
    with django_assert_num_queries(1):
        assert claimed(first, unique=("api_key", "idempotency_key"))
    stored = IdempotentReply.objects.get(pk=first.pk)
    # Python-side defaults are written as create() would write them.
    assert (bytes(stored.body), stored.content_type, stored.status) == (b"", "", None)
    assert stored.created_at is not None
    again = IdempotentReply(api_key=key, idempotency_key="k-1", request_digest="e" * 64)
    with django_assert_num_queries(1):
        assert not claimed(again, unique=("api_key", "idempotency_key"))
    assert again.pk is None
    assert IdempotentReply.objects.get().request_digest == "d" * 64  # the first one kept
