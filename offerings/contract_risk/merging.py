"""From provider observations to one set of facts with provenance, and from two sets of facts
to the changes between them ("sell tax 2% → 25%"). Pure functions of their inputs."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from offerings.contract_risk.provider import BURN_ADDRESSES, Observation

# When providers disagree on a fact, the chain itself wins, then the explorer, then GoPlus.
PRECEDENCE = ("rpc", "explorer", "goplus")
PROVIDER_NAMES = {"rpc": "the chain (JSON-RPC)", "explorer": "the explorer", "goplus": "GoPlus"}
BOOLEAN_CHANGES = {
    "is_honeypot": ("became a honeypot (cannot sell)", "no longer detected as a honeypot"),
    "cannot_sell_all": ("holders can no longer sell all their tokens", "holders can sell all"),
    "is_mintable": ("mint enabled", "mint disabled"),
    "hidden_owner": ("hidden owner appeared", "hidden owner gone"),
    "can_take_back_ownership": (
        "ownership can be taken back",
        "ownership can no longer be taken back",
    ),
    "is_blacklisted": ("blacklist power added", "blacklist power removed"),
    "transfer_pausable": ("transfers became pausable", "transfers no longer pausable"),
    "selfdestruct": ("self-destruct added", "self-destruct removed"),
    "verified": ("source verified", "source no longer verified"),
    "is_proxy": ("became an upgradeable proxy", "no longer a proxy"),
}
ADDRESS_CHANGES = {
    "implementation": "proxy implementation",
    "upgrade_controller": "upgrade admin",
    "upgrade_controller_owner": "owner of the upgrade admin",
}


def facts_merge(observations: Iterable[Observation]) -> dict[str, dict[str, Any]]:
    """Every fact any provider stated: {name: {"value", "source", "seen_at"}}, the provider
    first in PRECEDENCE winning a fact several stated."""
    ranked = sorted(
        observations,
        key=lambda o: PRECEDENCE.index(o.provider) if o.provider in PRECEDENCE else 99,
    )
    merged: dict[str, dict[str, Any]] = {}
    for observation in reversed(ranked):
        for name, value in observation.facts.items():
            merged[name] = {
                "value": value,
                "source": observation.provider,
                "seen_at": observation.fetched_at.isoformat(),
            }
    return dict(sorted(merged.items()))


def percent_text(fraction: str | Decimal | None) -> str:
    """ "0.25" → "25%"."""
    if fraction is None:
        return "unknown"
    value = (Decimal(fraction) * 100).quantize(Decimal("0.01")).normalize()
    return f"{value:f}%"


def short(account: str) -> str:
    return f"{account[:6]}…{account[-4:]}" if len(account) == 42 else (account or "none")


def unlocked_share(lp_holders: list[dict[str, Any]]) -> Decimal:
    """The share of the LP tokens neither burned nor locked (unknown lock counts as unlocked)."""
    return sum(
        (
            Decimal(h["percent"])
            for h in lp_holders
            if h["address"] not in BURN_ADDRESSES and h.get("is_locked") is not True
        ),
        Decimal(0),
    )


def changes_between(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], *, holder_jump: Decimal
) -> list[dict[str, Any]]:
    """The facts known at both checks whose value differs, each as {"fact", "old", "new",
    "source", "summary"}. A fact learned or lost (unknown on one side) is no change."""
    changes = []
    for name in sorted(old.keys() & new.keys()):
        before, after = old[name]["value"], new[name]["value"]
        if before == after or before is None or after is None:
            continue
        summary = _summary(name, before, after, holder_jump)
        if summary:
            changes.append(
                {
                    "fact": name,
                    "old": before,
                    "new": after,
                    "source": new[name]["source"],
                    "summary": summary[:300],
                }
            )
    return changes


def _summary(name: str, before: Any, after: Any, holder_jump: Decimal) -> str:
    if name in BOOLEAN_CHANGES:
        became, ceased = BOOLEAN_CHANGES[name]
        return became if after else ceased
    if name in ("buy_tax", "sell_tax"):
        return f"{name.replace('_', ' ')} {percent_text(before)} → {percent_text(after)}"
    if name == "owner":
        if after in BURN_ADDRESSES:
            return f"ownership renounced (owner was {short(before)})"
        if before in BURN_ADDRESSES:
            return f"ownership taken back by {short(after)}"
        return f"owner {short(before)} → {short(after)}"
    if name in ADDRESS_CHANGES:
        return f"{ADDRESS_CHANGES[name]} {short(before)} → {short(after)}"
    if name == "lp_holders":
        was, now = unlocked_share(before), unlocked_share(after)
        if abs(now - was) < holder_jump:
            return ""
        verb = "unlocked" if now > was else "locked"
        return f"LP {verb}: unlocked LP share {percent_text(was)} → {percent_text(now)}"
    if name == "top_holders":
        return _holder_jumps(before, after, holder_jump)
    return ""


def _holder_jumps(before: list[dict], after: list[dict], jump: Decimal) -> str:
    was = {h["address"]: Decimal(h["percent"]) for h in before}
    jumps = []
    for holder in after:
        now, then = Decimal(holder["percent"]), was.get(holder["address"])
        if then is None and now >= jump:
            jumps.append(f"new top holder {short(holder['address'])} with {percent_text(now)}")
        elif then is not None and now - then >= jump:
            account = short(holder["address"])
            jumps.append(f"holder {account} share {percent_text(then)} → {percent_text(now)}")
    return "; ".join(jumps)
