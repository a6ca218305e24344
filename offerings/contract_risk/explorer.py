"""An Etherscan-compatible explorer (API v2, `chainid` parameter) as a ContractProvider:
verified source (module=contract&action=getsourcecode) and the contract's creator and creation
transaction (action=getcontractcreation). The key travels as the `apikey` parameter and is
never logged nor put in an error message (the resilience layer names paths, not URLs)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from offerings.contract_risk.provider import Observation, address
from offerings.resilience import ProviderError, ProviderUnavailable, ResilientJSON

UNVERIFIED = "Contract source code not verified"


class Explorer:
    source = "explorer"

    def __init__(self, *, http: ResilientJSON, api_key: str = "") -> None:
        self.http, self.api_key = http, api_key

    def close(self) -> None:
        self.http.close()

    def observe(self, chain_id: int, addresses: list[str]) -> dict[str, Observation]:
        observed: dict[str, Observation] = {}
        for position, contract in enumerate(addresses):
            if not self.api_key:
                observed[contract] = Observation(
                    self.source, timezone.now(), error="ETHERSCAN_API_KEY is not set"
                )
                continue
            try:
                observed[contract] = self._observe(chain_id, contract)
            except ProviderUnavailable as exc:
                now = timezone.now()
                for rest in addresses[position:]:
                    observed[rest] = Observation(self.source, now, error=str(exc)[:300])
                break
        return observed

    def _observe(self, chain_id: int, contract: str) -> Observation:
        facts: dict[str, Any] = {}
        raw: dict[str, Any] = {}
        problems = []
        for action, read in (("getsourcecode", _source), ("getcontractcreation", _creation)):
            params = {"chainid": chain_id, "module": "contract", "action": action}
            params["contractaddresses" if action == "getcontractcreation" else "address"] = contract
            try:
                body = self.http.get_json("", params | {"apikey": self.api_key})
                raw[action] = body
                facts |= read(body)
            except ProviderUnavailable:
                raise
            except ProviderError as exc:
                problems.append(f"{action}: {exc}"[:140])
        return Observation(self.source, timezone.now(), facts, raw=raw, error="; ".join(problems))


def _result(body: Any, action: str) -> list[dict]:
    if not isinstance(body, dict):
        raise ProviderError(f"{action} answered a {type(body).__name__}, not an object")
    result = body.get("result")
    if body.get("status") != "1" or not isinstance(result, list):
        # An error arrives as status "0" with the reason in `result` ("Max rate limit reached").
        raise ProviderError(f"{action}: {str(result if result else body.get('message'))[:100]}")
    return [entry for entry in result if isinstance(entry, dict)]


def _source(body: Any) -> dict[str, Any]:
    entries = _result(body, "getsourcecode")
    if not entries:
        return {}
    entry = entries[0]
    source, abi = entry.get("SourceCode"), entry.get("ABI")
    if not isinstance(source, str):
        return {}
    facts: dict[str, Any] = {"verified": bool(source.strip()) and abi != UNVERIFIED}
    name = entry.get("ContractName")
    if isinstance(name, str) and name:
        facts["contract_name"] = name[:100]
    return facts


def _creation(body: Any) -> dict[str, Any]:
    entries = _result(body, "getcontractcreation")
    if not entries:
        return {}
    facts: dict[str, Any] = {}
    creator = address(entries[0].get("contractCreator"))
    if creator:
        facts["creator"] = creator
    tx = entries[0].get("txHash")
    if isinstance(tx, str) and tx.startswith("0x") and len(tx) == 66:
        facts["creation_tx"] = tx.lower()
    return facts
