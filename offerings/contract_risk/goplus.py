"""GoPlus token security (`GET /api/v1/token_security/{chain_id}?contract_addresses=…`) as a
ContractProvider. Flags arrive as the strings "1"/"0", taxes and holder shares as fractions of
one, missing data as null, "" or absent: all of that is read as unknown, never as safe."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from offerings.contract_risk.provider import Observation, address, flag, fraction
from offerings.resilience import ProviderError, ProviderUnavailable, ResilientJSON

FLAGS = (
    "is_honeypot",
    "cannot_sell_all",
    "is_mintable",
    "is_proxy",
    "hidden_owner",
    "can_take_back_ownership",
    "is_blacklisted",
    "transfer_pausable",
    "selfdestruct",
    "honeypot_with_same_creator",
)
TOP_HOLDERS = 10


class GoPlus:
    source = "goplus"

    def __init__(self, *, http: ResilientJSON, batch_size: int = 20) -> None:
        self.http, self.batch_size = http, max(1, batch_size)

    def close(self) -> None:
        self.http.close()

    def observe(self, chain_id: int, addresses: list[str]) -> dict[str, Observation]:
        observed: dict[str, Observation] = {}
        for start in range(0, len(addresses), self.batch_size):
            batch = addresses[start : start + self.batch_size]
            try:
                body = self.http.get_json(
                    f"/api/v1/token_security/{chain_id}",
                    {"contract_addresses": ",".join(batch)},
                )
                results = _results(body)
            except ProviderError as exc:
                now = timezone.now()
                for contract in addresses[start:]:
                    observed[contract] = Observation(self.source, now, error=str(exc)[:300])
                if isinstance(exc, ProviderUnavailable):
                    break
                continue
            now = timezone.now()
            for contract in batch:
                entry = results.get(contract)
                if not isinstance(entry, dict):
                    observed[contract] = Observation(
                        self.source, now, raw=entry, error="unknown to GoPlus"
                    )
                    continue
                observed[contract] = Observation(self.source, now, token_facts(entry), raw=entry)
        return observed


def _results(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ProviderError(f"token_security answered a {type(body).__name__}, not an object")
    if body.get("code") != 1:
        raise ProviderError(
            f"token_security answered code {body.get('code')!r}: {str(body.get('message'))[:80]}"
        )
    result = body.get("result")
    if not isinstance(result, dict):
        return {}
    return {str(key).lower(): value for key, value in result.items()}


def token_facts(entry: dict[str, Any]) -> dict[str, Any]:
    """The facts a token_security entry states, in our names; what it leaves out stays out."""
    facts: dict[str, Any] = {}
    for name in FLAGS:
        value = flag(entry.get(name))
        if value is not None:
            facts[name] = value
    verified = flag(entry.get("is_open_source"))
    if verified is not None:
        facts["verified"] = verified
    for name in ("buy_tax", "sell_tax"):
        value = fraction(entry.get(name))
        if value is not None:
            facts[name] = value
    for ours, theirs in (("owner", "owner_address"), ("creator", "creator_address")):
        value = address(entry.get(theirs))
        if value:  # GoPlus sends "" both for "no owner" and "could not tell"
            facts[ours] = value
    for ours, theirs in (("top_holders", "holders"), ("lp_holders", "lp_holders")):
        holders = _holders(entry.get(theirs))
        if holders is not None:
            facts[ours] = holders[:TOP_HOLDERS] if ours == "top_holders" else holders
    return facts


def _holders(value: Any) -> list[dict[str, Any]] | None:
    """Holders with a readable address and share, largest first; None when not a list."""
    if not isinstance(value, list):
        return None
    holders = []
    for entry in value:
        if not isinstance(entry, dict):
            continue
        holder, percent = address(entry.get("address")), fraction(entry.get("percent"))
        if not holder or percent is None:
            continue
        holders.append(
            {
                "address": holder,
                "percent": percent,
                "is_contract": flag(entry.get("is_contract")),
                "is_locked": flag(entry.get("is_locked")),
            }
        )
    holders.sort(key=lambda h: (-float(h["percent"]), h["address"]))
    return holders
