"""Contract rules: what the token's contract lets its owner do, quoted with source and date."""

from __future__ import annotations

import datetime as dt

import pytest

from diligence.contract_facts import ContractFacts
from diligence.rules import RULES
from diligence.vocabulary import Outcome
from tests.diligence.factories import check, make_facts
from tests.fakes.contract_risk import DEAD, OWNER, ZERO, account

CHECKED = dt.datetime(2026, 12, 11, 9, 30, tzinfo=dt.UTC)
ADDRESS = "0x" + "ab" * 20
CONTRACT_RULES = sorted(code for code in RULES if code.startswith("contract."))
CLEAN = {
    "has_code": True,
    "is_honeypot": False,
    "cannot_sell_all": False,
    "buy_tax": "0.01",
    "sell_tax": "0.02",
    "is_mintable": False,
    "owner": OWNER,
    "is_proxy": False,
    "implementation": "",
    "hidden_owner": False,
    "can_take_back_ownership": False,
    "is_blacklisted": False,
    "transfer_pausable": False,
    "selfdestruct": False,
    "verified": True,
    "honeypot_with_same_creator": False,
    "creator": account(2),
    "top_holders": [
        {"address": account(100 + n), "percent": "0.03", "is_contract": False, "is_locked": False}
        for n in range(10)
    ],
    "lp_holders": [
        {"address": DEAD, "percent": "0.9", "is_contract": False, "is_locked": None},
        {"address": account(3), "percent": "0.1", "is_contract": True, "is_locked": True},
    ],
}


def contract(source: str = "goplus", **values) -> ContractFacts:
    facts = CLEAN | values
    facts = {name: value for name, value in facts.items() if value is not None}
    return ContractFacts(
        "ethereum",
        ADDRESS,
        checked_at=CHECKED,
        values=facts,
        seen={name: (source, CHECKED) for name in facts},
    )


def ido(**values):
    return make_facts(kind="ido", contract=contract(**values))


@pytest.mark.parametrize("code", CONTRACT_RULES)
def test_a_clean_contract_passes_every_contract_rule(code):
    assert check(code, ido()).outcome == Outcome.PASS


def test_there_are_nine_contract_rules_in_the_contract_category():
    assert len(CONTRACT_RULES) == 9
    assert {RULES[code].category for code in CONTRACT_RULES} == {"contract"}


@pytest.mark.parametrize("code", CONTRACT_RULES)
def test_every_contract_rule_is_not_applicable_before_a_contract_exists(code):
    no_address = make_facts(kind="ido", contract=None)
    solana = make_facts(kind="ido", contract=ContractFacts("solana", "So1", "chain 'solana': x"))
    undeployed = ido(has_code=False)

    assert check(code, no_address) == (Outcome.NOT_APPLICABLE, "no contract address recorded")
    assert check(code, solana).outcome == Outcome.NOT_APPLICABLE
    result = check(code, undeployed)
    assert result.outcome == Outcome.NOT_APPLICABLE
    assert "no code deployed at 0xabab…abab yet (GoPlus, 2026-12-11)" in result.evidence


@pytest.mark.parametrize("code", CONTRACT_RULES)
def test_every_contract_rule_is_unknown_before_the_first_check(code):
    unchecked = make_facts(kind="ido", contract=ContractFacts("ethereum", ADDRESS))
    assert check(code, unchecked) == (Outcome.UNKNOWN, "contract 0xabab…abab not checked yet")


@pytest.mark.parametrize("code", CONTRACT_RULES)
def test_every_contract_rule_is_unknown_when_no_provider_could_say(code):
    silent = make_facts(
        kind="ido", contract=ContractFacts("ethereum", ADDRESS, checked_at=CHECKED, values={})
    )
    assert check(code, silent).outcome == Outcome.UNKNOWN


def test_honeypot_flags_a_failed_sale_and_quotes_source_and_date():
    assert check("contract.honeypot", ido(is_honeypot=True)) == (
        Outcome.FLAG,
        "simulated sale fails: honeypot (GoPlus, 2026-12-11)",
    )


def test_honeypot_flags_a_sell_tax_of_half_or_more():
    assert check("contract.honeypot", ido(sell_tax="0.5")) == (
        Outcome.FLAG,
        "sell tax 50% (GoPlus, 2026-12-11)",
    )
    assert check("contract.honeypot", ido(sell_tax="0.49")).outcome == Outcome.PASS


def test_high_tax_flags_a_tax_above_the_configured_threshold(settings):
    settings.CONTRACT_TAX_THRESHOLD_PERCENT = 10
    assert check("contract.high_tax", ido(buy_tax="0.12")) == (
        Outcome.FLAG,
        "buy tax 12%, sell tax 2%; limit 10% (GoPlus, 2026-12-11)",
    )
    assert check("contract.high_tax", ido(buy_tax="0.1")).outcome == Outcome.PASS
    assert check("contract.high_tax", ido(buy_tax=None)).outcome == Outcome.UNKNOWN


def test_mintable_flags_an_owner_who_can_mint_unless_ownership_is_renounced():
    flagged = check("contract.mintable", ido(is_mintable=True))
    assert flagged == (Outcome.FLAG, "owner 0x1111…1111 can mint (GoPlus, 2026-12-11)")
    for burned in (ZERO, DEAD):
        renounced = check("contract.mintable", ido(is_mintable=True, owner=burned))
        assert renounced.outcome == Outcome.PASS
    assert check("contract.mintable", ido(is_mintable=True, owner=None)).outcome == Outcome.UNKNOWN


def test_upgradeable_flags_a_proxy_whose_admin_is_an_account():
    proxy = {"is_proxy": True, "implementation": account(9), "proxy_admin": account(8)}
    eoa = ido(
        source="rpc", upgrade_controller=account(8), upgrade_controller_is_contract=False, **proxy
    )
    result = check("contract.upgradeable", eoa)
    assert result.outcome == Outcome.FLAG
    assert result.evidence == (
        "proxy upgradeable by the account 0x0000…0008 (the chain (JSON-RPC), 2026-12-11)"
    )


def test_upgradeable_flags_a_proxy_admin_contract_owned_by_an_account():
    facts = ido(
        is_proxy=True,
        implementation=account(9),
        proxy_admin=account(8),
        upgrade_controller=account(8),
        upgrade_controller_is_contract=True,
        upgrade_controller_owner=account(7),
        upgrade_controller_owner_is_contract=False,
    )
    result = check("contract.upgradeable", facts)
    assert result.outcome == Outcome.FLAG
    assert "owned by the account 0x0000…0007" in result.evidence


def test_upgradeable_passes_a_proxy_held_by_a_multisig_or_timelock_contract():
    facts = ido(
        is_proxy=True,
        implementation=account(9),
        proxy_admin=account(8),
        upgrade_controller=account(8),
        upgrade_controller_is_contract=True,
    )
    assert check("contract.upgradeable", facts).outcome == Outcome.PASS


def test_owner_powers_names_every_power_found():
    facts = ido(is_blacklisted=True, transfer_pausable=True)
    assert check("contract.owner_powers", facts) == (
        Outcome.FLAG,
        "can blacklist holders, can pause transfers (GoPlus, 2026-12-11)",
    )
    assert check("contract.owner_powers", ido(selfdestruct=None)) == (
        Outcome.UNKNOWN,
        "not stated: selfdestruct",
    )


def test_unverified_flags_source_that_is_not_verified():
    assert check("contract.unverified", ido(source="explorer", verified=False)) == (
        Outcome.FLAG,
        "source not verified (the explorer, 2026-12-11)",
    )


def test_holder_concentration_counts_only_wallets_neither_contracts_nor_locked(settings):
    settings.CONTRACT_HOLDER_SHARE_PERCENT = 50
    holders = [
        {"address": account(1), "percent": "0.4", "is_contract": False, "is_locked": False},
        {"address": account(2), "percent": "0.2", "is_contract": None, "is_locked": None},
        {"address": account(3), "percent": "0.3", "is_contract": True, "is_locked": False},
        {"address": account(4), "percent": "0.05", "is_contract": False, "is_locked": True},
    ]
    assert check("contract.holder_concentration", ido(top_holders=holders)) == (
        Outcome.FLAG,
        "2 of the top 4 holders are unlocked wallets holding 60%; limit 50% (GoPlus, 2026-12-11)",
    )
    holders[1]["is_contract"] = True
    assert check("contract.holder_concentration", ido(top_holders=holders)).outcome == Outcome.PASS


def test_lp_unlocked_flags_an_ido_whose_liquidity_can_be_pulled():
    lp = [
        {"address": account(7), "percent": "0.8", "is_contract": False, "is_locked": False},
        {"address": DEAD, "percent": "0.2", "is_contract": False, "is_locked": None},
    ]
    assert check("contract.lp_unlocked", ido(lp_holders=lp)) == (
        Outcome.FLAG,
        "80% of the LP tokens neither burned nor locked; limit 5% (GoPlus, 2026-12-11)",
    )
    ico = make_facts(kind="ico", contract=contract(lp_holders=lp))
    assert check("contract.lp_unlocked", ico).outcome == Outcome.NOT_APPLICABLE
    assert check("contract.lp_unlocked", ido(lp_holders=[])).outcome == Outcome.UNKNOWN


def test_creator_history_flags_a_deployer_of_earlier_honeypots():
    assert check("contract.creator_history", ido(honeypot_with_same_creator=True)) == (
        Outcome.FLAG,
        "deployer 0x0000…0002 created honeypots before (GoPlus, 2026-12-11)",
    )
