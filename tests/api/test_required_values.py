"""Issue 13.5: a missing required value in a part is a problem that says so, naming the field
and the rule, not Django's "This field cannot be blank." or "“” value must be …"."""

from __future__ import annotations

import pytest

from offerings.models import Offering
from tests.api.test_access import problem

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offerings/"


def test_a_part_without_its_required_values_is_a_problem_naming_field_and_rule(api_key, api_client):
    writer = api_key(scopes=("offerings:read", "offerings:write"))
    body = {
        "name": "Nameless parts",
        "kind": "ico",
        "allocations": [{"bucket": None, "percent": None}],
        "rounds": [{"price_usd": "0.1"}],
        "audits": [{"auditor": "", "url": "https://audits.example/a"}],
    }
    response = api_client(writer).post(LIST, body)
    buckets = "team, advisors, presale, public_sale, treasury, ecosystem, liquidity, other"
    errors = problem(response, 400)["errors"]
    assert [(e["field"], e["value"], e["rule"]) for e in errors] == [
        ("audits[0].auditor", "", "is required"),
        ("allocations[0].bucket", None, f"is required (one of {buckets})"),
        ("rounds[0].kind", None, "is required (one of seed, private, presale, public)"),
    ]
    assert not Offering.objects.exists()
