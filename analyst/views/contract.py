"""The contract-risk panel of the offering page: the checked facts with their provider and
date, the providers that could not answer, and the timeline of changes between checks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.dateparse import parse_datetime

from offerings.contract_risk.chains import not_checkable
from offerings.contract_risk.merging import PROVIDER_NAMES, percent_text, unlocked_share
from offerings.models import Offering

TIMELINE_LIMIT = 20  # changes shown
LABELS = {
    "has_code": "Code deployed",
    "is_honeypot": "Honeypot (cannot sell)",
    "cannot_sell_all": "Cannot sell all",
    "buy_tax": "Buy tax",
    "sell_tax": "Sell tax",
    "is_mintable": "Mintable",
    "owner": "Owner",
    "hidden_owner": "Hidden owner",
    "can_take_back_ownership": "Can take back ownership",
    "is_blacklisted": "Blacklist",
    "transfer_pausable": "Transfers pausable",
    "selfdestruct": "Self-destruct",
    "verified": "Source verified",
    "contract_name": "Contract name",
    "is_proxy": "Upgradeable proxy",
    "implementation": "Implementation (ERC-1967)",
    "proxy_admin": "Proxy admin (ERC-1967)",
    "upgrade_controller": "Can upgrade",
    "upgrade_controller_is_contract": "Upgrader is a contract",
    "upgrade_controller_owner": "Upgrader's owner",
    "upgrade_controller_owner_is_contract": "Upgrader's owner is a contract",
    "creator": "Deployer",
    "creation_tx": "Creation transaction",
    "honeypot_with_same_creator": "Deployer made honeypots before",
    "top_holders": "Top holders",
    "lp_holders": "Liquidity-pool holders",
}


@dataclass(frozen=True)
class FactRow:
    label: str
    value: str
    source: str
    seen_on: Any


def contract_context(offering: Offering) -> dict[str, Any]:
    """What the panel shows: no query when the offering's check is joined and never ran, one
    (the timeline) once it did."""
    try:
        risk = offering.contract_risk
    except ObjectDoesNotExist:
        risk = None
    if risk is None:
        return {"contract": {"reason": not_checkable(offering.chain, offering.contract_address)}}
    order = {name: position for position, name in enumerate(LABELS)}
    rows = [
        FactRow(
            LABELS.get(name, name.replace("_", " ")),
            fact_text(name, fact["value"]),
            PROVIDER_NAMES.get(fact["source"], fact["source"]),
            parse_datetime(fact["seen_at"]),
        )
        for name, fact in sorted(risk.facts.items(), key=lambda item: order.get(item[0], 99))
    ]
    return {
        "contract": {
            "risk": risk,
            "facts": rows,
            "unavailable": [
                (PROVIDER_NAMES.get(provider, provider), error)
                for provider, error in sorted(risk.errors.items())
            ],
            "timeline": list(offering.contract_changes.all()[:TIMELINE_LIMIT]),
        }
    }


def fact_text(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if name in ("buy_tax", "sell_tax"):
        return percent_text(value)
    if name == "top_holders":
        shown = ", ".join(
            f"{h['address']} {percent_text(h['percent'])}"
            + (" (contract)" if h.get("is_contract") else "")
            + (" (locked)" if h.get("is_locked") else "")
            for h in value[:5]
        )
        return f"{len(value)} listed; largest: {shown}" if value else "none listed"
    if name == "lp_holders":
        if not value:
            return "no pool found"
        return f"{percent_text(unlocked_share(value))} of LP tokens neither burned nor locked"
    if value == "":
        return "none"
    return str(value)
