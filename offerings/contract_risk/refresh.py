"""Checking contracts: which are due, fetching every provider's answer for a batch (outside
any transaction), then storing the batch in one transaction (storage.py)."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import httpx
from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from offerings.contract_risk.chains import CHAIN_IDS, chain_id, not_checkable
from offerings.contract_risk.explorer import Explorer
from offerings.contract_risk.goplus import GoPlus
from offerings.contract_risk.provider import ContractProvider, Observation
from offerings.contract_risk.rpc import JsonRpc
from offerings.contract_risk.storage import Checked, checks_store
from offerings.models import Offering
from offerings.resilience import ResilientJSON, guards_shared

logger = logging.getLogger(__name__)


@dataclass
class CheckReport:
    contracts: int = 0
    snapshots: int = 0
    changes: int = 0
    notifications: int = 0
    offerings_changed: int = 0
    skipped: list[str] = field(default_factory=list)  # offerings that cannot be checked, why
    failed: list[str] = field(default_factory=list)  # provider answers missing, and why

    def as_dict(self) -> dict:
        return {
            "contracts": self.contracts,
            "snapshots": self.snapshots,
            "changes": self.changes,
            "notifications": self.notifications,
            "offerings_changed": self.offerings_changed,
            "skipped": self.skipped,
            "failed": self.failed,
        }


def checkable(offerings: QuerySet[Offering] | None = None) -> QuerySet[Offering]:
    """Offerings with a contract address on an EVM chain we know."""
    offerings = Offering.objects.all() if offerings is None else offerings
    on_known_chain = Q()
    for name in CHAIN_IDS:
        on_known_chain |= Q(chain__iexact=name)
    return offerings.exclude(contract_address="").filter(on_known_chain)


def contracts_due(*, now: dt.datetime | None = None, limit: int | None = None) -> list[int]:
    """Ids of the offerings whose contract needs a check: never checked, its address changed,
    its re-check is due (+7 d, +30 d, then monthly), or its token listed since the last check."""
    now = now or timezone.now()
    due = (
        Q(contract_risk__isnull=True)
        | ~Q(contract_risk__address=Lower("contract_address"))
        | Q(contract_risk__next_check_at__lte=now)
        | Q(market_summary__listed_at__gt=F("contract_risk__checked_at"))
    )
    ids = checkable().filter(due).order_by("pk").values_list("pk", flat=True)
    return list(ids[:limit] if limit else ids)


@contextmanager
def providers_used(
    providers: Sequence[ContractProvider] | None,
) -> Iterator[Sequence[ContractProvider]]:
    """The given providers, or those configured in settings, closed afterwards."""
    if providers is not None:
        yield providers
        return
    made = providers_from_settings()
    try:
        yield made
    finally:
        for provider in made:
            provider.close()


def contracts_check(
    *,
    offering_ids: Sequence[int],
    providers: Sequence[ContractProvider] | None = None,
    now: dt.datetime | None = None,
) -> CheckReport:
    """Ask every provider about the contracts of the offerings, then store the answers."""
    report = CheckReport()
    by_chain: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    rows = Offering.objects.filter(pk__in=list(offering_ids)).order_by("pk")
    for pk, slug, chain, address in rows.values_list("pk", "slug", "chain", "contract_address"):
        reason = not_checkable(chain, address)
        if reason:
            report.skipped.append(f"{slug}: {reason}")
            continue
        by_chain[chain_id(chain)][address.lower()].append(pk)
    checks: list[Checked] = []
    with providers_used(providers) as used:
        for chain, offerings_at in by_chain.items():
            addresses = sorted(offerings_at)
            answers: dict[str, list[Observation]] = defaultdict(list)
            for provider in used:
                observed = provider.observe(chain, addresses)
                for address in addresses:
                    observation = observed.get(address) or Observation(
                        provider.source, timezone.now(), error="no answer"
                    )
                    if observation.error:
                        report.failed.append(
                            f"{provider.source} on chain {chain} {address}: {observation.error}"
                        )
                    answers[address].append(observation)
            checks += [
                Checked(pk, chain, address, answers[address])
                for address, pks in offerings_at.items()
                for pk in pks
            ]
    if checks:
        stored = checks_store(checks=checks, now=now or timezone.now())
        report.contracts, report.snapshots = stored.checked, stored.snapshots
        report.changes, report.notifications = stored.changes, stored.notifications
        report.offerings_changed = len(stored.offerings_changed)
    for failure in report.failed:
        logger.info("contract check: %s", failure)
    return report


def batches(ids: list[int], size: int) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), max(1, size))]


def providers_from_settings() -> list[ContractProvider]:
    """GoPlus, the explorer and JSON-RPC as configured; each endpoint's rate limit and
    circuit breaker is shared by the clients of this process."""

    def client(provider: str, base_url: str, calls_per_minute: int, **extra) -> ResilientJSON:
        limiter, breaker = guards_shared(
            (provider, base_url),
            calls_per_minute=calls_per_minute,
            failures=settings.CONTRACT_BREAKER_FAILURES,
            cooldown=settings.CONTRACT_BREAKER_COOLDOWN_S,
        )
        return ResilientJSON(
            provider=provider,
            base_url=base_url,
            limiter=limiter,
            breaker=breaker,
            max_retries=settings.CONTRACT_MAX_RETRIES,
            timeout=httpx.Timeout(
                settings.CONTRACT_READ_TIMEOUT_S, connect=settings.CONTRACT_CONNECT_TIMEOUT_S
            ),
            **extra,
        )

    nodes = {
        chain: client(f"rpc-{chain}", url, settings.RPC_CALLS_PER_MINUTE)
        for chain, url in settings.CONTRACT_RPC_URLS.items()
    }
    return [
        GoPlus(
            http=client("goplus", settings.GOPLUS_BASE_URL, settings.GOPLUS_CALLS_PER_MINUTE),
            batch_size=settings.GOPLUS_BATCH_SIZE,
        ),
        Explorer(
            http=client(
                "etherscan", settings.ETHERSCAN_BASE_URL, settings.ETHERSCAN_CALLS_PER_MINUTE
            ),
            api_key=settings.ETHERSCAN_API_KEY,
        ),
        JsonRpc(nodes=nodes),
    ]
