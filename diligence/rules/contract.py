"""Contract: what the token's contract lets its owner do to buyers (facts from the contract-risk
checks: GoPlus token security, an Etherscan-compatible explorer and the chain's JSON-RPC).

Each rule is `not_applicable` until a contract exists (no address, a non-EVM chain, no code
deployed yet) and `unknown` while no provider could say; the evidence quotes the facts, the
provider that stated them and the day it did.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

from diligence.contract_facts import ContractFacts
from diligence.facts import OfferingFacts
from diligence.rules.base import flagged, not_applicable, passed, rule, unknown
from diligence.vocabulary import Severity
from offerings.contract_risk.merging import percent_text, short
from offerings.contract_risk.provider import BURN_ADDRESSES

HONEYPOT_SELL_TAX = Decimal("0.5")
TOP_HOLDERS = 10
OWNER_POWERS = {
    "hidden_owner": "hidden owner",
    "can_take_back_ownership": "can take back ownership",
    "is_blacklisted": "can blacklist holders",
    "transfer_pausable": "can pause transfers",
    "selfdestruct": "can self-destruct",
}
SCAM_SOURCE = (
    "Xia et al. 2021, 'Trade or Trick? Detecting and Characterizing Scam Tokens on Uniswap' "
    "(about half of the tokens listed were scams); Mazorra et al. 2022, 'Do not rug on me' "
    "(rug-pull detection at ~0.99 accuracy from contract and holder features)"
)


def _percent(setting: str) -> Decimal:
    return Decimal(getattr(settings, setting)) / 100


def thresholds() -> dict[str, str]:
    """The contract rules' thresholds, configured ones included, for the methodology
    fingerprint."""
    return {
        "honeypot_sell_tax": str(HONEYPOT_SELL_TAX),
        "top_holders": str(TOP_HOLDERS),
        "tax_threshold": str(_percent("CONTRACT_TAX_THRESHOLD_PERCENT")),
        "holder_share": str(_percent("CONTRACT_HOLDER_SHARE_PERCENT")),
        "lp_unlocked": str(_percent("CONTRACT_LP_UNLOCKED_PERCENT")),
    }


def _checked(facts: OfferingFacts):
    """(contract facts, None) when a rule can judge; (None, verdict) before a contract exists
    or while it is unchecked."""
    contract = facts.contract
    if contract is None:
        return None, not_applicable("no contract address recorded")
    if contract.skip:
        return None, not_applicable(contract.skip)
    if contract.checked_at is None:
        return None, unknown(f"contract {short(contract.address)} not checked yet")
    if contract.get("has_code") is False:
        return None, not_applicable(
            f"no code deployed at {short(contract.address)} yet ({contract.source('has_code')})"
        )
    return contract, None


def _said(contract: ContractFacts, text: str, *names: str) -> str:
    return f"{text} ({contract.source(*names)})"


@rule(
    code="contract.honeypot",
    title="Honeypot: buyers cannot sell",
    category="contract",
    severity=Severity.CRITICAL,
    rationale=(
        "A contract that lets holders buy but not sell, or takes half or more of every sale, "
        "traps the buyers' money: the most direct rug pull there is."
    ),
    source=f"GoPlus token security (is_honeypot, cannot_sell_all, sell_tax); {SCAM_SOURCE}",
)
def contract_honeypot(facts: OfferingFacts):
    contract, verdict = _checked(facts)
    if verdict:
        return verdict
    honeypot, cannot_sell = contract.get("is_honeypot"), contract.get("cannot_sell_all")
    sell_tax = contract.get("sell_tax")
    names = ("is_honeypot", "cannot_sell_all", "sell_tax")
    if honeypot:
        return flagged(_said(contract, "simulated sale fails: honeypot", *names))
    if cannot_sell:
        return flagged(_said(contract, "holders cannot sell all their tokens", *names))
    if sell_tax is not None and Decimal(sell_tax) >= HONEYPOT_SELL_TAX:
        return flagged(_said(contract, f"sell tax {percent_text(sell_tax)}", *names))
    if honeypot is None:
        return unknown("no provider could simulate a sale (is_honeypot not stated)")
    tax = "unknown" if sell_tax is None else percent_text(sell_tax)
    return passed(_said(contract, f"not a honeypot; sell tax {tax}", *names))


@rule(
    code="contract.high_tax",
    title="High buy or sell tax",
    category="contract",
    severity=Severity.HIGH,
    rationale=(
        "A transfer tax takes a share of every trade for whoever controls the contract; "
        "above a few percent it mostly funds the insiders, and it can be raised later."
    ),
    source="GoPlus token security (buy_tax, sell_tax); threshold CONTRACT_TAX_THRESHOLD_PERCENT",
)
def contract_high_tax(facts: OfferingFacts):
    contract, verdict = _checked(facts)
    if verdict:
        return verdict
    limit = _percent("CONTRACT_TAX_THRESHOLD_PERCENT")
    taxes = {name: contract.get(name) for name in ("buy_tax", "sell_tax")}
    text = ", ".join(
        f"{name.replace('_', ' ')} {'unknown' if v is None else percent_text(v)}"
        for name, v in taxes.items()
    )
    evidence = _said(contract, f"{text}; limit {percent_text(limit)}", "buy_tax", "sell_tax")
    if any(v is not None and Decimal(v) > limit for v in taxes.values()):
        return flagged(evidence)
    if any(v is None for v in taxes.values()):
        return unknown(evidence)
    return passed(evidence)


def _renounced(contract: ContractFacts) -> bool | None:
    owner = contract.get("owner")
    return None if owner is None else owner in BURN_ADDRESSES


@rule(
    code="contract.mintable",
    title="Owner can mint more tokens",
    category="contract",
    severity=Severity.HIGH,
    rationale=(
        "While an owner can mint, the supply is whatever the owner decides: new tokens can be "
        "created and dumped on holders at any time."
    ),
    source=f"GoPlus token security (is_mintable, owner_address); owner() on chain; {SCAM_SOURCE}",
)
def contract_mintable(facts: OfferingFacts):
    contract, verdict = _checked(facts)
    if verdict:
        return verdict
    mintable, renounced = contract.get("is_mintable"), _renounced(contract)
    names = ("is_mintable", "owner")
    if mintable is False:
        return passed(_said(contract, "no mint function", *names))
    if mintable is None:
        return unknown("whether the contract can mint was not stated")
    if renounced:
        return passed(_said(contract, "mint function, but ownership renounced", *names))
    if renounced is None:
        return unknown(_said(contract, "mint function; owner not known", *names))
    owner = short(contract.get("owner"))
    return flagged(_said(contract, f"owner {owner} can mint", *names))


@rule(
    code="contract.upgradeable",
    title="Upgradeable by a single key",
    category="contract",
    severity=Severity.HIGH,
    rationale=(
        "A proxy runs whatever implementation its admin points it to; when that admin is one "
        "person's key, not a timelock or multisig contract, the token's rules can be swapped "
        "overnight without notice."
    ),
    source=(
        "ERC-1967 proxy storage slots read with eth_getStorageAt; GoPlus token security (is_proxy)"
    ),
)
def contract_upgradeable(facts: OfferingFacts):
    contract, verdict = _checked(facts)
    if verdict:
        return verdict
    proxy = contract.get("is_proxy")
    names = ("is_proxy", "implementation", "upgrade_controller", "upgrade_controller_owner")
    if proxy is False or (proxy is None and contract.get("implementation") == ""):
        return passed(_said(contract, "not an upgradeable proxy", *names))
    if proxy is None:
        return unknown("whether the contract is a proxy was not stated")
    controller = contract.get("upgrade_controller")
    if controller is None:
        if contract.get("implementation") == "" or contract.get("proxy_admin") is None:
            return unknown(_said(contract, "proxy; who can upgrade it is not known", *names))
        return passed(_said(contract, "proxy with its upgrade rights renounced", *names))
    is_contract = contract.get("upgrade_controller_is_contract")
    if is_contract is False:
        return flagged(
            _said(contract, f"proxy upgradeable by the account {short(controller)}", *names)
        )
    admin_owner = contract.get("upgrade_controller_owner")
    if (
        is_contract
        and admin_owner
        and contract.get("upgrade_controller_owner_is_contract") is False
    ):
        return flagged(
            _said(
                contract,
                f"proxy admin {short(controller)} is owned by the account {short(admin_owner)}",
                *names,
            )
        )
    if is_contract:
        return passed(
            _said(contract, f"proxy upgradeable only by the contract {short(controller)}", *names)
        )
    return unknown(_said(contract, f"proxy admin {short(controller)} not classified", *names))


@rule(
    code="contract.owner_powers",
    title="Owner can freeze or seize holders",
    category="contract",
    severity=Severity.HIGH,
    rationale=(
        "Blacklists, pausable transfers, a hidden owner, reclaimable ownership or "
        "self-destruct let whoever controls the contract stop holders from selling or "
        "destroy the token."
    ),
    source=f"GoPlus token security (owner privilege flags); {SCAM_SOURCE}",
)
def contract_owner_powers(facts: OfferingFacts):
    contract, verdict = _checked(facts)
    if verdict:
        return verdict
    powers = [label for name, label in OWNER_POWERS.items() if contract.get(name)]
    if powers:
        return flagged(_said(contract, ", ".join(powers), *OWNER_POWERS))
    missing = [name for name in OWNER_POWERS if contract.get(name) is None]
    if missing:
        return unknown(f"not stated: {', '.join(missing)}")
    return passed(
        _said(contract, "no blacklist, pause, hidden owner or self-destruct", *OWNER_POWERS)
    )


@rule(
    code="contract.unverified",
    title="Contract source not verified",
    category="contract",
    severity=Severity.MEDIUM,
    rationale=(
        "Without verified source nobody outside the team can read what the contract does; "
        "scam tokens are far more often unverified than genuine ones."
    ),
    source="Etherscan-compatible explorer (getsourcecode); GoPlus token security (is_open_source)",
)
def contract_unverified(facts: OfferingFacts):
    contract, verdict = _checked(facts)
    if verdict:
        return verdict
    verified = contract.get("verified")
    if verified is None:
        return unknown("whether the source is verified was not stated")
    if verified:
        return passed(_said(contract, "source verified", "verified"))
    return flagged(_said(contract, "source not verified", "verified"))


@rule(
    code="contract.holder_concentration",
    title="Supply concentrated in a few wallets",
    category="contract",
    severity=Severity.MEDIUM,
    rationale=(
        "When a few ordinary wallets (not contracts, not locked) hold most of the supply, "
        "they can crash the price by selling; concentrated holdings are a leading rug-pull "
        "feature."
    ),
    source=f"GoPlus token security (holders); {SCAM_SOURCE}",
)
def contract_holder_concentration(facts: OfferingFacts):
    contract, verdict = _checked(facts)
    if verdict:
        return verdict
    holders = contract.holders("top_holders")
    if not holders:
        return unknown("top holders not stated")
    free = [
        h
        for h in holders[:TOP_HOLDERS]
        if h.is_contract is not True and h.is_locked is not True and h.address not in BURN_ADDRESSES
    ]
    held = sum((h.share for h in free), Decimal(0))
    limit = _percent("CONTRACT_HOLDER_SHARE_PERCENT")
    evidence = _said(
        contract,
        f"{len(free)} of the top {min(len(holders), TOP_HOLDERS)} holders are unlocked "
        f"wallets holding {percent_text(held)}; limit {percent_text(limit)}",
        "top_holders",
    )
    return flagged(evidence) if held > limit else passed(evidence)


@rule(
    code="contract.lp_unlocked",
    title="Liquidity not locked",
    category="contract",
    severity=Severity.HIGH,
    rationale=(
        "Whoever holds a DEX pool's liquidity tokens can withdraw the liquidity and leave "
        "holders nothing to sell into: the classic rug pull of a DEX launch. Burned or "
        "locked LP tokens cannot be pulled."
    ),
    source=f"GoPlus token security (lp_holders: is_locked, burn addresses); {SCAM_SOURCE}",
)
def contract_lp_unlocked(facts: OfferingFacts):
    if facts.kind != "ido":
        return not_applicable(f"kind {facts.kind}: liquidity pools are checked for IDOs")
    contract, verdict = _checked(facts)
    if verdict:
        return verdict
    lp_holders = contract.holders("lp_holders")
    if not lp_holders:
        return unknown("no liquidity-pool holders stated (no pool found yet)")
    loose = sum(
        (
            h.share
            for h in lp_holders
            if h.address not in BURN_ADDRESSES and h.is_locked is not True
        ),
        Decimal(0),
    )
    limit = _percent("CONTRACT_LP_UNLOCKED_PERCENT")
    evidence = _said(
        contract,
        f"{percent_text(loose)} of the LP tokens neither burned nor locked; "
        f"limit {percent_text(limit)}",
        "lp_holders",
    )
    return flagged(evidence) if loose > limit else passed(evidence)


@rule(
    code="contract.creator_history",
    title="Deployer made honeypots before",
    category="contract",
    severity=Severity.HIGH,
    rationale=(
        "Scam tokens come in series from the same deployers; an address that already "
        "launched honeypots is likely to launch another."
    ),
    source=f"GoPlus token security (honeypot_with_same_creator, creator_address); {SCAM_SOURCE}",
)
def contract_creator_history(facts: OfferingFacts):
    contract, verdict = _checked(facts)
    if verdict:
        return verdict
    earlier = contract.get("honeypot_with_same_creator")
    creator = contract.get("creator")
    who = f"deployer {short(creator)}" if creator else "the deployer"
    names = ("honeypot_with_same_creator", "creator")
    if earlier is None:
        return unknown("the deployer's earlier tokens were not stated")
    if earlier:
        return flagged(_said(contract, f"{who} created honeypots before", *names))
    return passed(_said(contract, f"no honeypot known from {who}", *names))
