"""Contract facts for the rules, built in bulk (one query per chunk) from the contract-risk
checks (offerings.ContractRisk): each value with the provider and date it comes from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils.dateparse import parse_datetime

from offerings.contract_risk.chains import chain_id, not_checkable
from offerings.contract_risk.merging import PROVIDER_NAMES
from offerings.models import Offering


@dataclass(frozen=True, slots=True)
class Holder:
    address: str
    share: Decimal  # fraction of the supply (of the LP tokens, for LP holders)
    is_contract: bool | None
    is_locked: bool | None


@dataclass(frozen=True, slots=True)
class ContractFacts:
    """An offering's contract, as the last check saw it. `skip` says why it cannot be checked
    ("" when it can); `checked_at` is None before the first check; a fact no provider stated
    is None (unknown), never a guessed safe value."""

    chain: str
    address: str
    skip: str = ""
    checked_at: dt.datetime | None = None
    values: Mapping[str, Any] = field(default_factory=dict)
    # fact name → (provider, time it was seen)
    seen: Mapping[str, tuple[str, dt.datetime]] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def holders(self, name: str) -> tuple[Holder, ...] | None:
        rows = self.values.get(name)
        if rows is None:
            return None
        return tuple(
            Holder(h["address"], Decimal(h["percent"]), h.get("is_contract"), h.get("is_locked"))
            for h in rows
        )

    def source(self, *names: str) -> str:
        """Where and when the facts were seen: "GoPlus, 2026-12-11; the chain (JSON-RPC), …"."""
        quoted = []
        for name in names:
            if name in self.seen:
                provider, moment = self.seen[name]
                text = f"{PROVIDER_NAMES.get(provider, provider)}, {moment:%Y-%m-%d}"
                if text not in quoted:
                    quoted.append(text)
        return "; ".join(quoted) or "no provider"


def contract_facts(among: Q) -> dict[int, ContractFacts]:
    """The contract facts of each offering `among` selects that records a contract address
    (one query); offerings without one are absent (no contract exists yet)."""
    rows = (
        Offering.objects.filter(among)
        .exclude(contract_address="")
        .values_list(
            "pk",
            "chain",
            "contract_address",
            "contract_risk__chain_id",
            "contract_risk__address",
            "contract_risk__checked_at",
            "contract_risk__facts",
        )
    )
    built = {}
    for pk, chain, address, checked_chain, checked_address, checked_at, facts in rows:
        skip = not_checkable(chain, address)
        current = (checked_chain, checked_address) == (chain_id(chain), address.lower())
        if skip or checked_at is None or not current:
            built[pk] = ContractFacts(chain, address, skip)
            continue
        built[pk] = ContractFacts(
            chain,
            address,
            checked_at=checked_at,
            values={name: fact["value"] for name, fact in facts.items()},
            seen={
                name: (fact["source"], parse_datetime(fact["seen_at"]) or checked_at)
                for name, fact in facts.items()
            },
        )
    return built
