"""The EVM chains Offerwatch knows, by the names offerings use, and their EIP-155 chain ids:
the one place a chain name becomes a chain id."""

from __future__ import annotations

from offerings.contracts import EVM_CHAINS

CHAIN_IDS: dict[str, int] = {
    "ethereum": 1,
    "bsc": 56,
    "binance smart chain": 56,
    "bnb chain": 56,
    "polygon": 137,
    "arbitrum": 42161,
    "optimism": 10,
    "avalanche": 43114,
    "base": 8453,
    "fantom": 250,
    "cronos": 25,
    "gnosis": 100,
    "celo": 42220,
    "moonbeam": 1284,
    "linea": 59144,
    "zksync": 324,
    "scroll": 534352,
    "blast": 81457,
}
assert set(CHAIN_IDS) == EVM_CHAINS, "every EVM chain the model accepts needs its chain id"


def chain_id(chain: str) -> int | None:
    """The chain id of an offering's chain name, or None when it is not an EVM chain we know."""
    return CHAIN_IDS.get(chain.strip().lower())


def not_checkable(chain: str, address: str) -> str:
    """Why an offering's contract cannot be checked, or "" when it can."""
    if not address:
        return "no contract address recorded"
    if not chain.strip():
        return "chain not recorded"
    if chain_id(chain) is None:
        return f"chain {chain!r}: contract checks cover EVM chains only"
    if not (address.startswith("0x") and len(address) == 42):
        return f"{address!r} is not an EVM address"
    return ""
