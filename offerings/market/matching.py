"""Proposing links from offerings to provider coins, and an analyst's decision on them.

A proposal is a CoinMatch row, never a silent change: the same symbol and name can belong to
unrelated tokens, and a wrong link would feed another token's prices into the rules. Matching by
contract address first, then by symbol and name; the analyst confirms (which sets
`coingecko_id` through the normal update path, with history) or rejects (never proposed again).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from offerings.market.provider import Coin, MarketProvider
from offerings.market.refresh import provider_used
from offerings.models import CoinMatch, Offering
from offerings.services import offering_update

# Words that names carry or drop at random ("Acme" vs "Acme Token").
_NOISE = re.compile(r"\b(token|coin|network|protocol|finance|the)\b")


def name_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _NOISE.sub("", name.lower()))


def address_key(address: str) -> str:
    """EVM addresses compare case-insensitively; others (Solana, Tron) exactly."""
    address = address.strip()
    return address.lower() if address.lower().startswith("0x") else address


@dataclass
class MatchReport:
    offerings: int = 0
    proposed: int = 0
    by_contract: int = 0
    by_symbol_name: int = 0
    unmatched: int = 0


def coin_matches_propose(
    *, offerings: QuerySet[Offering] | None = None, provider: MarketProvider | None = None
) -> MatchReport:
    """Propose coins for the unlinked offerings (all by default); existing proposals, decided
    or not, are kept as they are."""
    with provider_used(provider) as used:
        coins = used.coins()
    by_address: dict[str, list[Coin]] = defaultdict(list)
    by_symbol_name: dict[tuple[str, str], list[Coin]] = defaultdict(list)
    for coin in coins:
        for address in set(coin.platforms.values()):
            by_address[address_key(address)].append(coin)
        by_symbol_name[coin.symbol.lower(), name_key(coin.name)].append(coin)
    offerings = (Offering.objects.all() if offerings is None else offerings).filter(coingecko_id="")
    report = MatchReport()
    proposals = []
    for pk, name, symbol, address in offerings.values_list(
        "pk", "name", "symbol", "contract_address"
    ):
        report.offerings += 1
        found = by_address.get(address_key(address), []) if address else []
        method = CoinMatch.Method.CONTRACT
        if found:
            report.by_contract += 1
        else:
            found = by_symbol_name.get((symbol.lower(), name_key(name)), []) if symbol else []
            method = CoinMatch.Method.SYMBOL_NAME
            report.by_symbol_name += bool(found)
        if not found:
            report.unmatched += 1
        for coin in found:
            if method == CoinMatch.Method.CONTRACT:
                chains = [
                    c for c, a in coin.platforms.items() if address_key(a) == address_key(address)
                ]
                evidence = f"contract {address} is {coin.coin_id}'s on {', '.join(chains)}"
            else:
                evidence = (
                    f"symbol {coin.symbol.upper()} and name {coin.name!r} match {symbol} / {name!r}"
                )
            if len(found) > 1:
                evidence += f" (one of {len(found)} candidates)"
            proposals.append(
                CoinMatch(
                    offering_id=pk,
                    coingecko_id=coin.coin_id,
                    coin_name=coin.name[:200],
                    coin_symbol=coin.symbol[:40],
                    method=method,
                    evidence=evidence[:300],
                )
            )
    known = set(
        CoinMatch.objects.filter(offering_id__in={p.offering_id for p in proposals}).values_list(
            "offering_id", "coingecko_id"
        )
    )
    fresh = [p for p in proposals if (p.offering_id, p.coingecko_id) not in known]
    CoinMatch.objects.bulk_create(fresh, ignore_conflicts=True)
    report.proposed = len(fresh)
    return report


def coin_match_confirm(*, match: CoinMatch, user=None) -> Offering:
    """Link the offering to the proposed coin and close its other proposals."""
    if match.state != CoinMatch.State.PROPOSED:
        raise ValidationError({"state": f"match {match.pk} is {match.state}, not proposed"})
    with transaction.atomic():
        offering = offering_update(
            offering=match.offering, record={"coingecko_id": match.coingecko_id}, user=user
        )
        now = timezone.now()
        CoinMatch.objects.filter(pk=match.pk).update(
            state=CoinMatch.State.CONFIRMED, decided_at=now, decided_by=user
        )
        CoinMatch.objects.filter(
            offering_id=match.offering_id, state=CoinMatch.State.PROPOSED
        ).exclude(pk=match.pk).update(
            state=CoinMatch.State.REJECTED, decided_at=now, decided_by=user
        )
    return offering


def coin_match_reject(*, match: CoinMatch, user=None) -> None:
    if match.state != CoinMatch.State.PROPOSED:
        raise ValidationError({"state": f"match {match.pk} is {match.state}, not proposed"})
    CoinMatch.objects.filter(pk=match.pk).update(
        state=CoinMatch.State.REJECTED, decided_at=timezone.now(), decided_by=user
    )
