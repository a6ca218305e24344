"""The three providers against their local look-alikes: what they read, and their faults."""

from __future__ import annotations

import logging

import pytest

from offerings.contract_risk.explorer import Explorer
from offerings.contract_risk.goplus import GoPlus
from offerings.contract_risk.rpc import JsonRpc
from offerings.resilience import CircuitBreaker
from tests.fakes.coingecko import Fault
from tests.fakes.contract_risk import (
    CREATOR,
    OWNER,
    ZERO,
    account,
    clean_token,
    honeypot_token,
    renounced_token,
    unlocked_lp_token,
)
from tests.offerings.contract_risk.conftest import RPC_KEY, SECRET

TOKEN = "0x" + "ab" * 20
OTHER = "0x" + "cd" * 20


def test_goplus_flags_arrive_as_strings_and_become_booleans(goplus, http_for):
    goplus.tokens[(1, TOKEN)] = honeypot_token()

    facts = GoPlus(http=http_for(goplus.url)).observe(1, [TOKEN])[TOKEN].facts

    assert facts["is_honeypot"] is True and facts["cannot_sell_all"] is True
    assert facts["is_mintable"] is False and facts["verified"] is True
    assert (facts["buy_tax"], facts["sell_tax"]) == ("0.01", "1")
    assert (facts["owner"], facts["creator"]) == (OWNER, CREATOR)
    assert len(facts["top_holders"]) == 10
    assert facts["lp_holders"][0] == {
        "address": "0x000000000000000000000000000000000000dead",
        "percent": "0.9",
        "is_contract": False,
        "is_locked": False,
    }


def test_goplus_null_empty_or_absent_fields_are_unknown_never_safe(goplus, http_for):
    entry = clean_token(is_honeypot=None, buy_tax="", sell_tax="abc", owner_address="")
    del entry["is_blacklisted"]
    del entry["holders"]
    goplus.tokens[(1, TOKEN)] = entry

    facts = GoPlus(http=http_for(goplus.url)).observe(1, [TOKEN])[TOKEN].facts

    for name in ("is_honeypot", "buy_tax", "sell_tax", "owner", "is_blacklisted", "top_holders"):
        assert name not in facts


def test_goplus_numbers_sent_as_numbers_or_strings_read_the_same(goplus, http_for):
    goplus.tokens[(1, TOKEN)] = clean_token(buy_tax=0.05, sell_tax="0.050", is_mintable=1)

    facts = GoPlus(http=http_for(goplus.url)).observe(1, [TOKEN])[TOKEN].facts

    assert (facts["buy_tax"], facts["sell_tax"], facts["is_mintable"]) == ("0.05", "0.05", True)


def test_goplus_batches_addresses_and_reports_unknown_ones(goplus, http_for):
    goplus.tokens[(56, TOKEN)] = renounced_token()

    observed = GoPlus(http=http_for(goplus.url)).observe(56, [TOKEN, OTHER])

    assert len(goplus.requests) == 1
    assert goplus.requests[0].path == "/api/v1/token_security/56"
    assert observed[TOKEN].facts["owner"] == ZERO
    assert observed[OTHER].facts == {} and observed[OTHER].error == "unknown to GoPlus"
    assert observed[TOKEN].raw["owner_address"] == ZERO


def test_goplus_waits_as_long_as_retry_after_says_then_reads(goplus, http_for, clock):
    goplus.tokens[(1, TOKEN)] = unlocked_lp_token()
    goplus.fail(Fault("429", retry_after="7"), Fault("500"))

    observed = GoPlus(http=http_for(goplus.url)).observe(1, [TOKEN])

    assert observed[TOKEN].error == ""
    assert clock.slept[0] == 7
    assert len(goplus.requests) == 3


@pytest.mark.parametrize(
    ("fault", "message"),
    [(Fault("garbage"), "the body is not JSON"), (Fault("hang", seconds=1), "timed out")],
)
def test_goplus_garbage_or_hangs_become_errors_for_each_address(goplus, http_for, fault, message):
    goplus.fail(fault, fault, fault)

    observed = GoPlus(http=http_for(goplus.url)).observe(1, [TOKEN, OTHER])

    assert all(message in o.error and o.facts == {} for o in observed.values())


def test_an_open_circuit_answers_the_rest_without_calling(goplus, http_for, clock):
    goplus.fail(*[Fault("500")] * 6)
    breaker = CircuitBreaker(failures=3, cooldown=300, clock=clock)
    provider = GoPlus(http=http_for(goplus.url, breaker=breaker, max_retries=2), batch_size=1)

    observed = provider.observe(1, [TOKEN, OTHER])

    assert "HTTP 500" in observed[TOKEN].error
    assert "not called for another" in observed[OTHER].error
    assert len(goplus.requests) == 3


def test_the_explorer_reads_verified_source_and_the_creator(explorer, http_for):
    explorer.verified(TOKEN, name="Acme")
    explorer.unverified(OTHER)

    observed = Explorer(http=http_for(explorer.url), api_key=SECRET).observe(1, [TOKEN, OTHER])

    assert observed[TOKEN].facts == {
        "verified": True,
        "contract_name": "Acme",
        "creator": CREATOR,
        "creation_tx": "0x" + "ab" * 32,
    }
    assert observed[OTHER].facts == {"verified": False}
    assert "getcontractcreation" in observed[OTHER].error
    assert explorer.requests[0].query["chainid"] == ["1"]


def test_the_explorer_is_not_called_without_a_key(explorer, http_for):
    observed = Explorer(http=http_for(explorer.url), api_key="").observe(1, [TOKEN])

    assert observed[TOKEN].error == "ETHERSCAN_API_KEY is not set"
    assert explorer.requests == []


def test_the_explorer_key_never_reaches_logs_or_errors(explorer, http_for, caplog):
    explorer.fail(Fault("429", retry_after="1"), Fault("hang", seconds=1), Fault("garbage"))
    caplog.set_level(logging.DEBUG)

    observed = Explorer(http=http_for(explorer.url), api_key=SECRET).observe(1, [TOKEN])

    assert caplog.records, "the retries were logged"
    assert observed[TOKEN].error
    assert SECRET not in caplog.text
    assert SECRET not in observed[TOKEN].error


def test_rpc_reads_a_proxy_whose_admin_is_an_account(rpc, http_for):
    admin, implementation = account(8), account(9)
    rpc.proxy(TOKEN, implementation=implementation, admin=admin)

    facts = JsonRpc(nodes={1: http_for(rpc.url)}).observe(1, [TOKEN])[TOKEN].facts

    assert facts == {
        "has_code": True,
        "implementation": implementation,
        "proxy_admin": admin,
        "is_proxy": True,
        "upgrade_controller": admin,
        "upgrade_controller_is_contract": False,
    }


def test_rpc_follows_a_proxy_admin_contract_to_its_owner(rpc, http_for):
    rpc.proxy(
        TOKEN, implementation=account(9), admin=account(8), admin_code=True, admin_owner=account(7)
    )

    facts = JsonRpc(nodes={1: http_for(rpc.url)}).observe(1, [TOKEN])[TOKEN].facts

    assert facts["upgrade_controller_is_contract"] is True
    assert facts["upgrade_controller_owner"] == account(7)
    assert facts["upgrade_controller_owner_is_contract"] is False


def test_rpc_reads_the_owner_of_a_plain_contract_and_no_code_at_an_empty_address(rpc, http_for):
    rpc.contract(TOKEN, owner=ZERO)

    observed = JsonRpc(nodes={1: http_for(rpc.url)}).observe(1, [TOKEN, OTHER])

    assert observed[TOKEN].facts == {
        "has_code": True,
        "implementation": "",
        "proxy_admin": "",
        "owner": ZERO,
    }
    assert observed[OTHER].facts == {"has_code": False}
    assert observed[TOKEN].raw[0]["method"] == "eth_getCode"


def test_rpc_without_a_node_for_the_chain_says_so(http_for):
    observed = JsonRpc(nodes={}).observe(56, [TOKEN])

    assert observed[TOKEN].error == "no RPC URL configured for chain 56"


def test_rpc_url_keys_never_reach_logs_or_errors(rpc, http_for, caplog):
    rpc.fail(Fault("500"), Fault("garbage"))
    caplog.set_level(logging.DEBUG)

    observed = JsonRpc(nodes={1: http_for(f"{rpc.url}/{RPC_KEY}")}).observe(1, [TOKEN])

    assert "not JSON" in observed[TOKEN].error
    assert RPC_KEY not in caplog.text and RPC_KEY not in observed[TOKEN].error
