"""Contract risk in the API: the read-only `contract` object and the contract_risk filter."""

from __future__ import annotations

import pytest

from diligence.rescoring import assessments_refresh
from diligence.selectors import assessed_export
from tests.api.test_access import problem
from tests.factories import full_offering
from tests.offerings.contract_risk.factories import CHECKED, checked

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offerings/"


@pytest.fixture
def offerings():
    trap = full_offering(name="Trap", slug="trap")
    checked(trap, is_honeypot=True, has_code=True, sell_tax="0.6")
    fine = full_offering(name="Fine", slug="fine")
    checked(fine, is_honeypot=False, has_code=True)
    full_offering(name="Unseen", slug="unseen")
    assessments_refresh()


def test_the_contract_facts_are_in_the_representation_like_the_export(
    read_client, offerings, django_assert_num_queries
):
    read_client.get(LIST)  # records the key's use, and caches the records
    # the page's rows for its cache key (a page not seen yet: api.page_cache) and the page (the
    # contract and filing checks joined, the public records' confirmed matches and sanctioned
    # addresses aggregated); the records come from the cache by revision (api.record_cache),
    # the key and its owner's permissions from the process (accounts.auth_cache)
    with django_assert_num_queries(2):
        results = read_client.get(LIST, {"ordering": "name"}).json()["results"]
    exported = sorted(assessed_export(), key=lambda record: record["name"])
    assert [{k: v for k, v in r.items() if k != "url"} for r in results] == exported
    trap = next(r for r in results if r["slug"] == "trap")
    assert trap["contract"]["facts"]["sell_tax"] == {
        "value": "0.6",
        "source": "goplus",
        "seen_at": CHECKED.isoformat(),
    }
    assert "contract.honeypot" in trap["flags"]
    assert next(r for r in results if r["slug"] == "unseen")["contract"] is None


def test_a_written_contract_object_is_ignored_like_every_read_only_field(write_client):
    response = write_client.post(
        LIST, {"name": "Sneaky", "kind": "ico", "contract": {"facts": {"sell_tax": "0"}}}
    )
    assert response.status_code == 201, response.content
    assert response.json()["contract"] is None


@pytest.mark.parametrize(
    ("value", "expected"), [("flagged", ["trap"]), ("clear", ["fine"]), ("unchecked", ["unseen"])]
)
def test_the_list_filters_by_contract_risk(
    read_client, offerings, value, expected, django_assert_num_queries
):
    read_client.get(LIST)  # and caches every record (api.record_cache)
    # the page's rows for its cache key (api.page_cache) and the page (the key and its owner's
    # permissions are kept: accounts.auth_cache; the filing check joined, the confirmed
    # matches and sanctioned addresses aggregated), with or without addresses
    with django_assert_num_queries(2):
        response = read_client.get(LIST, {"contract_risk": value})
    assert [o["slug"] for o in response.json()["results"]] == expected


def test_a_bad_contract_risk_value_is_a_problem_naming_field_value_and_rule(read_client):
    body = problem(read_client.get(LIST, {"contract_risk": "maybe"}), 400)
    assert body["errors"] == [
        {
            "field": "contract_risk",
            "value": "maybe",
            "rule": "must be one of flagged, clear, unchecked",
        }
    ]
