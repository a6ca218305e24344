"""The write phase of a contract check: one transaction per batch, set-based whatever the
batch size (snapshots, facts and changes each one bulk statement; the receivers of
contract_changed, watchers' notifications among them, are set-based too)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from offerings.contract_risk.merging import changes_between, facts_merge
from offerings.contract_risk.provider import Observation
from offerings.models import ContractChange, ContractRisk, ContractSnapshot, Offering
from offerings.signals import contract_changed, offerings_changed

WRITE_BATCH = 1000
RISK_FIELDS = [
    "chain_id",
    "address",
    "facts",
    "errors",
    "first_checked_at",
    "checked_at",
    "next_check_at",
    "checks",
]


@dataclass
class Checked:
    """Every provider's observation of one offering's contract at one check."""

    offering_id: int
    chain_id: int
    address: str
    observations: list[Observation]


@dataclass
class StoreResult:
    checked: int = 0
    snapshots: int = 0
    changes: int = 0
    notifications: int = 0
    offerings_changed: list[int] = field(default_factory=list)


def next_check_at(first_checked_at: dt.datetime, now: dt.datetime) -> dt.datetime:
    """The re-check after `now`: CONTRACT_RECHECK_DAYS after the first check (7 and 30 days),
    then every CONTRACT_RECHECK_EVERY_DAYS (monthly)."""
    for days in settings.CONTRACT_RECHECK_DAYS:
        due = first_checked_at + dt.timedelta(days=days)
        if due > now:
            return due
    every = dt.timedelta(days=settings.CONTRACT_RECHECK_EVERY_DAYS)
    last = first_checked_at + dt.timedelta(days=max(settings.CONTRACT_RECHECK_DAYS, default=0))
    return last + every * ((now - last) // every + 1)


def checks_store(*, checks: list[Checked], now: dt.datetime) -> StoreResult:
    """Store the checks: a snapshot per provider answer, the offering's current facts (a
    provider that could not say keeps its earlier facts, with their dates), the changes since
    the previous check, the watchers' notifications; then announce the offerings whose facts
    changed (rescore) and their changes (webhooks). All or nothing."""
    result = StoreResult()
    jump = Decimal(settings.CONTRACT_HOLDER_JUMP_PERCENT) / 100
    with transaction.atomic():
        ids = sorted({check.offering_id for check in checks})
        # Locked in id order: concurrent checks of one offering take turns.
        names = dict(
            Offering.objects.filter(pk__in=ids)
            .select_for_update(no_key=True)
            .order_by("pk")
            .values_list("pk", "name")
        )
        previous = ContractRisk.objects.in_bulk(list(names))
        snapshots, risks, changes = [], [], []
        changed: dict[int, list[dict]] = {}
        for check in checks:
            if check.offering_id not in names:  # deleted since the fetch
                continue
            snapshots += _snapshots(check)
            before = previous.get(check.offering_id)
            same = before is not None and (before.chain_id, before.address) == (
                check.chain_id,
                check.address,
            )
            facts = _facts(check, before.facts if same else {})
            diffs = changes_between(before.facts, facts, holder_jump=jump) if same else []
            first = before.first_checked_at if same else now
            risks.append(
                ContractRisk(
                    offering_id=check.offering_id,
                    chain_id=check.chain_id,
                    address=check.address,
                    facts=facts,
                    errors={o.provider: o.error for o in check.observations if o.error},
                    first_checked_at=first,
                    checked_at=now,
                    next_check_at=_next_check(check, first, now),
                    checks=before.checks + 1 if same else 1,
                )
            )
            if before is None or _values(before.facts) != _values(facts) or not same:
                result.offerings_changed.append(check.offering_id)
            if diffs:
                changed[check.offering_id] = diffs
                changes += [
                    ContractChange(offering_id=check.offering_id, detected_at=now, **diff)
                    for diff in diffs
                ]
        ContractSnapshot.objects.bulk_create(snapshots, batch_size=WRITE_BATCH)
        ContractRisk.objects.bulk_create(
            risks,
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=["offering"],
            update_fields=RISK_FIELDS,
        )
        ContractChange.objects.bulk_create(changes, batch_size=WRITE_BATCH)
        result.checked, result.snapshots, result.changes = len(risks), len(snapshots), len(changes)
        if result.offerings_changed:
            offerings_changed.send(sender=ContractRisk, offering_ids=result.offerings_changed)
        if changed:
            answers = contract_changed.send(sender=ContractRisk, changes=changed, names=names)
            # Receivers that notify someone say how many notifications they wrote.
            result.notifications = sum(n for _, n in answers if isinstance(n, int))
    return result


def _next_check(check: Checked, first: dt.datetime, now: dt.datetime) -> dt.datetime:
    # A check no provider answered is tried again at the next sweep, not in a week.
    if not any(o.facts for o in check.observations):
        return now + dt.timedelta(seconds=settings.CONTRACT_RISK_SWEEP_S)
    return next_check_at(first, now)


def _snapshots(check: Checked) -> list[ContractSnapshot]:
    return [
        ContractSnapshot(
            offering_id=check.offering_id,
            provider=o.provider,
            fetched_at=o.fetched_at,
            chain_id=check.chain_id,
            address=check.address,
            facts=o.facts,
            raw=o.raw,
            error=o.error[:300],
        )
        for o in check.observations
    ]


def _facts(check: Checked, before: dict) -> dict:
    facts = facts_merge(o for o in check.observations if o.facts)
    silent = {o.provider for o in check.observations if not o.facts}
    for name, fact in before.items():
        # What a provider that could not answer this time said last time still stands, dated.
        if name not in facts and fact["source"] in silent:
            facts[name] = fact
    return dict(sorted(facts.items()))


def _values(facts: dict) -> dict:
    return {name: fact["value"] for name, fact in facts.items()}
