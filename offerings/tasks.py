"""Celery tasks of the market-data refresh and the contract-risk checks: thin wrappers that
fan out batches and call the refresh services. Scheduled by celery beat
(settings.CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from offerings.contract_risk.refresh import batches as contract_batches
from offerings.contract_risk.refresh import contracts_check, contracts_due
from offerings.market.refresh import (
    batches,
    history_batch_refresh,
    history_pending,
    linked_coin_ids,
    listings_batch_refresh,
    market_batch_refresh,
    market_batches,
)


@shared_task
def refresh_market_data() -> int:
    """Queue one price task per batch of coin ids (not one per offering); returns the count."""
    queued = market_batches()
    for batch in queued:
        refresh_market_batch.delay(batch)
    return len(queued)


@shared_task(acks_late=True)
def refresh_market_batch(coin_ids: list[str]) -> dict:
    return market_batch_refresh(coin_ids=coin_ids).as_dict()


@shared_task
def refresh_listings() -> int:
    """Queue one listings task per batch of coins; returns the number of batches."""
    queued = batches(linked_coin_ids(), settings.MARKET_LISTINGS_BATCH_SIZE)
    for batch in queued:
        refresh_listings_batch.delay(batch)
    return len(queued)


@shared_task(acks_late=True)
def refresh_listings_batch(coin_ids: list[str]) -> dict:
    return listings_batch_refresh(coin_ids=coin_ids).as_dict()


@shared_task
def load_market_history() -> int:
    """Queue the loading of past prices for coins never loaded, at most
    MARKET_HISTORY_PER_RUN coins a run; returns the number of batches."""
    pending = history_pending(limit=settings.MARKET_HISTORY_PER_RUN)
    queued = batches(pending, settings.MARKET_LISTINGS_BATCH_SIZE)
    for batch in queued:
        load_market_history_batch.delay(batch)
    return len(queued)


@shared_task(acks_late=True)
def load_market_history_batch(coin_ids: list[str]) -> dict:
    return history_batch_refresh(coin_ids=coin_ids).as_dict()


@shared_task
def refresh_contract_risk() -> int:
    """Queue a check of every contract due (first check, +7 d, +30 d, monthly, or listed since
    its last check), at most CONTRACT_RISK_PER_RUN a run; returns the number of batches."""
    due = contracts_due(limit=settings.CONTRACT_RISK_PER_RUN)
    queued = contract_batches(due, settings.CONTRACT_RISK_BATCH_SIZE)
    for batch in queued:
        refresh_contract_risk_batch.delay(batch)
    return len(queued)


@shared_task(acks_late=True)
def refresh_contract_risk_batch(offering_ids: list[int]) -> dict:
    return contracts_check(offering_ids=offering_ids).as_dict()


# Redelivered when a worker dies mid-run (acks late, rejected on worker loss); the service
# starts the run again from its file, or fails it after IMPORT_MAX_ATTEMPTS.
@shared_task(acks_late=True, reject_on_worker_lost=True, time_limit=3600, soft_time_limit=3540)
def import_offerings_run(run_id: int) -> dict:
    from offerings.import_runs import import_run_execute

    run = import_run_execute(run_id=run_id)
    return {"run": run.pk, "state": run.state}
