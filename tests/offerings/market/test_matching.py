"""Proposing coin links (contract address, then symbol and name) and the analyst's decision."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from offerings.models import CoinMatch, Offering
from tests.factories import OfferingFactory
from tests.fakes.coingecko import Fault

pytestmark = pytest.mark.django_db

ADDRESS = "0x5A98FcBEA516Cf06857215779Fd812CA3beF1B32"


@pytest.fixture
def coins(fake, coingecko_settings):
    fake.coin_list = [
        {
            "id": "acme-token",
            "symbol": "acme",
            "name": "Acme",
            "platforms": {"ethereum": ADDRESS.lower()},
        },
        {"id": "helix", "symbol": "hlx", "name": "Helix Network", "platforms": {}},
        {"id": "helix-2", "symbol": "hlx", "name": "Helix", "platforms": {"solana": "So1ana"}},
        {"id": "other", "symbol": "oth", "name": "Other", "platforms": {}},
    ]
    return fake


def run(*args) -> str:
    out = io.StringIO()
    call_command("match_coins", *args, stdout=out)
    return out.getvalue()


def test_a_contract_address_match_is_proposed_not_applied(coins):
    offering = OfferingFactory(name="Acme Payments", symbol="ACP", contract_address=ADDRESS)

    out = run()

    match = CoinMatch.objects.get()
    assert (match.offering, match.coingecko_id, match.method, match.state) == (
        offering,
        "acme-token",
        "contract",
        "proposed",
    )
    assert match.evidence == f"contract {ADDRESS} is acme-token's on ethereum"
    assert Offering.objects.get().coingecko_id == ""
    assert "1 matched by contract address" in out


def test_symbol_and_name_match_when_no_contract_matches_and_every_candidate_is_proposed(coins):
    OfferingFactory(name="Helix", symbol="HLX", contract_address="")

    run()

    proposals = CoinMatch.objects.order_by("coingecko_id")
    assert [(p.coingecko_id, p.method) for p in proposals] == [
        ("helix", "symbol_name"),
        ("helix-2", "symbol_name"),
    ]
    assert proposals[0].evidence.endswith("(one of 2 candidates)")


def test_linked_offerings_are_left_alone_and_proposals_are_not_repeated(coins):
    OfferingFactory(name="Acme", symbol="ACME", coingecko_id="acme-token")
    OfferingFactory(name="Helix", symbol="HLX")
    run()
    CoinMatch.objects.filter(coingecko_id="helix").update(state="rejected")

    out = run()

    assert CoinMatch.objects.count() == 2
    assert "0 new proposals" in out
    assert CoinMatch.objects.get(coingecko_id="helix").state == "rejected"


def test_an_unreachable_provider_is_a_clear_command_error(coins):
    OfferingFactory()
    coins.fail("/coins/list", Fault("500"), Fault("500"))
    with pytest.raises(CommandError, match="the coin list could not be fetched"):
        run()


def test_confirming_in_the_admin_links_the_offering_with_history_and_closes_rivals(
    coins, staff_client, django_capture_on_commit_callbacks
):
    offering = OfferingFactory(name="Helix", symbol="HLX")
    run()
    chosen = CoinMatch.objects.get(coingecko_id="helix-2")
    history = offering.history.count()

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:offerings_coinmatch_changelist"),
            {"action": "confirm", "_selected_action": [chosen.pk]},
            follow=True,
        )

    assert "1 proposals linked" in response.content.decode()
    offering.refresh_from_db()
    assert offering.coingecko_id == "helix-2"
    assert offering.history.count() == history + 1
    states = dict(CoinMatch.objects.values_list("coingecko_id", "state"))
    assert states == {"helix": "rejected", "helix-2": "confirmed"}
    assert CoinMatch.objects.get(pk=chosen.pk).decided_by.username == "staff"


def test_the_offering_admin_action_proposes_matches(coins, staff_client):
    offering = OfferingFactory(name="Acme", symbol="ACME", contract_address=ADDRESS)

    response = staff_client.post(
        reverse("admin:offerings_offering_changelist"),
        {"action": "propose_coin_matches", "_selected_action": [offering.pk]},
        follow=True,
    )

    assert "1 new proposals" in response.content.decode()
    assert CoinMatch.objects.get().coingecko_id == "acme-token"


def test_a_decided_proposal_cannot_be_decided_again(coins, staff_client):
    OfferingFactory(name="Helix", symbol="HLX")
    run()
    match = CoinMatch.objects.get(coingecko_id="helix")
    CoinMatch.objects.filter(pk=match.pk).update(state="rejected")

    response = staff_client.post(
        reverse("admin:offerings_coinmatch_changelist"),
        {"action": "confirm", "_selected_action": [match.pk]},
        follow=True,
    )

    assert f"match {match.pk} is rejected, not proposed" in response.content.decode().lower()
    assert Offering.objects.get().coingecko_id == ""


def test_market_admin_pages_open(staff_client):
    for name in ("coinmatch", "listing", "marketsnapshot"):
        assert staff_client.get(reverse(f"admin:offerings_{name}_changelist")).status_code == 200
