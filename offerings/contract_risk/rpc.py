"""Plain Ethereum JSON-RPC as a ContractProvider: the chain itself says whether code is
deployed (eth_getCode), whether it is an ERC-1967 proxy and who may upgrade it
(eth_getStorageAt on the implementation and admin slots), and who owns it (eth_call owner()).
Node URLs often carry a key in their path, so they are never logged nor shown."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from offerings.contract_risk.provider import BURN_ADDRESSES, Observation, word_address
from offerings.resilience import ProviderError, ProviderUnavailable, ResilientJSON

# bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1), and the same for ".admin"
IMPLEMENTATION_SLOT = "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"
ADMIN_SLOT = "0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103"
OWNER_SELECTOR = "0x8da5cb5b"  # owner()


class Reverted(ProviderError):
    """The node answered the call with an error (a revert: the function does not exist)."""


class JsonRpc:
    source = "rpc"

    def __init__(self, *, nodes: dict[int, ResilientJSON]) -> None:
        self.nodes = nodes

    def close(self) -> None:
        for node in self.nodes.values():
            node.close()

    def observe(self, chain_id: int, addresses: list[str]) -> dict[str, Observation]:
        node = self.nodes.get(chain_id)
        observed: dict[str, Observation] = {}
        for position, contract in enumerate(addresses):
            if node is None:
                observed[contract] = Observation(
                    self.source, timezone.now(), error=f"no RPC URL configured for chain {chain_id}"
                )
                continue
            reader = _Reader(node)
            try:
                facts = reader.contract_facts(contract)
            except ProviderUnavailable as exc:
                now = timezone.now()
                for rest in addresses[position:]:
                    observed[rest] = Observation(self.source, now, error=str(exc)[:300])
                break
            except ProviderError as exc:
                observed[contract] = Observation(
                    self.source, timezone.now(), raw=reader.raw, error=str(exc)[:300]
                )
                continue
            observed[contract] = Observation(self.source, timezone.now(), facts, raw=reader.raw)
        return observed


class _Reader:
    """The calls of one contract's check, each answer kept for the raw payload."""

    def __init__(self, node: ResilientJSON) -> None:
        self.node = node
        self.raw: list[dict[str, Any]] = []
        self.ids = 0

    def call(self, method: str, params: list) -> Any:
        self.ids += 1
        body = self.node.post_json(
            "", {"jsonrpc": "2.0", "id": self.ids, "method": method, "params": params}
        )
        self.raw.append({"method": method, "params": params, "answer": body})
        if not isinstance(body, dict):
            raise ProviderError(f"{method} answered a {type(body).__name__}, not an object")
        if body.get("error") is not None:
            error = body["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise Reverted(f"{method}: {str(message)[:100]}")
        if not isinstance(body.get("result"), str):
            raise ProviderError(f"{method} answered no result")
        return body["result"]

    def has_code(self, account: str) -> bool:
        code = self.call("eth_getCode", [account, "latest"])
        if not code.startswith("0x"):
            raise ProviderError(f"eth_getCode answered {code[:20]!r}, not hex")
        return len(code) > 2

    def slot(self, account: str, slot: str) -> str:
        found = word_address(self.call("eth_getStorageAt", [account, slot, "latest"]))
        if found is None:
            raise ProviderError("eth_getStorageAt answered no 32-byte word")
        return "" if found in BURN_ADDRESSES else found

    def owner(self, account: str) -> str | None:
        """owner(), or None when the contract has none (the call reverts) or answers junk."""
        try:
            answer = self.call("eth_call", [{"to": account, "data": OWNER_SELECTOR}, "latest"])
        except Reverted:
            return None
        return word_address(answer) if len(answer) == 66 else None

    def contract_facts(self, contract: str) -> dict[str, Any]:
        if not self.has_code(contract):
            return {"has_code": False}
        facts: dict[str, Any] = {"has_code": True}
        implementation = self.slot(contract, IMPLEMENTATION_SLOT)
        facts["implementation"] = implementation
        facts["proxy_admin"] = self.slot(contract, ADMIN_SLOT)
        owner = self.owner(contract)
        if owner is not None:
            facts["owner"] = owner
        if not implementation:
            return facts
        facts["is_proxy"] = True
        # Who can upgrade: the admin slot (transparent proxies), else the owner (UUPS).
        controller = facts["proxy_admin"] or owner
        if controller is None or controller in BURN_ADDRESSES:
            return facts
        facts["upgrade_controller"] = controller
        facts["upgrade_controller_is_contract"] = self.has_code(controller)
        if facts["upgrade_controller_is_contract"]:
            # A ProxyAdmin contract answers owner(); a multisig or timelock does not.
            admin_owner = self.owner(controller)
            if admin_owner and admin_owner not in BURN_ADDRESSES:
                facts["upgrade_controller_owner"] = admin_owner
                facts["upgrade_controller_owner_is_contract"] = self.has_code(admin_owner)
        return facts
