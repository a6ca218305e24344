"""Token contract addresses: which chains use which address format."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

EVM_CHAINS = frozenset(
    {
        "ethereum",
        "bsc",
        "binance smart chain",
        "bnb chain",
        "polygon",
        "arbitrum",
        "optimism",
        "avalanche",
        "base",
        "fantom",
        "cronos",
        "gnosis",
        "celo",
        "moonbeam",
        "linea",
        "zksync",
        "scroll",
        "blast",
    }
)
EVM_STANDARDS = frozenset({"erc-20", "erc20", "bep-20", "bep20", "erc-721", "erc-1400", "erc-3643"})

_EVM = re.compile(r"^0x[0-9a-fA-F]{40}$")
_BASE58 = re.compile(r"^[1-9A-HJ-NP-Za-km-z]{32,44}$")
_TRON = re.compile(r"^T[1-9A-HJ-NP-Za-km-z]{33}$")
_GENERIC = re.compile(r"^[0-9A-Za-z._:\-]{20,100}$")


def is_evm(chain: str, token_standard: str) -> bool:
    return chain.strip().lower() in EVM_CHAINS or token_standard.strip().lower() in EVM_STANDARDS


def validate_contract_address(address: str, *, chain: str = "", token_standard: str = "") -> None:
    """Raise ValidationError naming the rule when `address` cannot be a contract on `chain`."""
    if not address:
        return
    chain_key = chain.strip().lower()
    # The chain decides first: a 0x address is no Solana or Tron address, however well formed.
    if chain_key == "solana":
        if not _BASE58.match(address):
            raise ValidationError(
                "%(value)r is not a Solana address (32-44 base58 characters)",
                code="invalid_contract",
                params={"value": address},
            )
        return
    if chain_key == "tron":
        if not _TRON.match(address):
            raise ValidationError(
                "%(value)r is not a Tron address (T followed by 33 base58 characters)",
                code="invalid_contract",
                params={"value": address},
            )
        return
    if address.startswith("0x") or is_evm(chain, token_standard):
        if not _EVM.match(address):
            raise ValidationError(
                "%(value)r is not an EVM contract address (0x followed by 40 hex digits)",
                code="invalid_contract",
                params={"value": address},
            )
        return
    if not _GENERIC.match(address):
        raise ValidationError(
            "%(value)r is not a contract address (20-100 letters, digits, '.', '_', ':' or '-')",
            code="invalid_contract",
            params={"value": address},
        )
