"""A real Celery worker checks contracts end to end from the beat schedule, against local
GoPlus, explorer and JSON-RPC look-alikes: the first check (through a 429), then a re-check
whose raised sell tax becomes a stored change, a watcher's notification and a delivered
`contract.changed` webhook. Needs PostgreSQL and redis-server (skips without)."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.beat import Scheduler
from django.conf import settings
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from analyst.models import Notification, Watch
from api.webhooks.models import WebhookDelivery
from api.webhooks.services import endpoint_create
from config.celery import app
from offerings.models import ContractChange, ContractRisk, ContractSnapshot
from tests.api.webhooks.receiver import Receiver
from tests.conftest import with_role
from tests.factories import OfferingFactory, UserFactory
from tests.fakes.coingecko import Fault
from tests.fakes.contract_risk import OWNER, FakeExplorer, FakeGoPlus, FakeRpc, clean_token
from tests.integration.conftest import wait_for

TOKEN = "0x" + "ab" * 20


def beat_entries() -> dict:
    app.loader.import_default_modules()
    return Scheduler(app=app, lazy=False).schedule


def test_the_beat_entry_names_the_task_at_the_configured_interval():
    entry = beat_entries()["refresh-contract-risk"]
    assert entry.task == "offerings.tasks.refresh_contract_risk"
    assert entry.task in app.tasks
    assert entry.schedule.run_every == dt.timedelta(seconds=settings.CONTRACT_RISK_SWEEP_S)


@pytest.fixture
def providers():
    with FakeGoPlus() as goplus, FakeExplorer() as explorer, FakeRpc() as rpc:
        yield goplus, explorer, rpc


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = True
    settings.WEBHOOKS_ALLOW_HTTP = True
    with Receiver() as live:
        yield live


def test_a_worker_checks_then_re_checks_and_a_change_reaches_watchers_and_webhooks(
    postgres, broker, celery_workers, providers, receiver
):
    goplus, explorer, rpc = providers
    goplus.tokens[(1, TOKEN)] = clean_token()
    explorer.verified(TOKEN)
    rpc.contract(TOKEN, owner=OWNER)
    goplus.fail(Fault("429", retry_after="1"))
    offering = OfferingFactory(kind="ido", venue=None, contract_address=TOKEN)
    analyst = with_role(UserFactory(), "analyst")  # webhook events go to the team only
    Watch.objects.create(user=analyst, offering=offering)
    endpoint, secret = endpoint_create(owner=analyst, url=receiver.url, events=["contract.changed"])
    celery_workers(
        broker,
        "contracts",
        GOPLUS_BASE_URL=goplus.url,
        ETHERSCAN_BASE_URL=explorer.url,
        ETHERSCAN_API_KEY="integration-key",  # pragma: allowlist secret
        CONTRACT_RPC_URLS=f"1={rpc.url}",
        GOPLUS_CALLS_PER_MINUTE="6000",
        ETHERSCAN_CALLS_PER_MINUTE="6000",
        RPC_CALLS_PER_MINUTE="6000",
        CONTRACT_READ_TIMEOUT_S="5",
        WEBHOOKS_ALLOW_PRIVATE_URLS="1",
        WEBHOOKS_ALLOW_HTTP="1",
    )
    entry = beat_entries()["refresh-contract-risk"]
    scheduler = Scheduler(app=app, lazy=True)

    scheduler.apply_async(entry)
    risk = wait_for(
        lambda: ContractRisk.objects.filter(offering=offering).first(),
        timeout=60,
        what="the first check written by the worker",
    )
    assert risk.facts["sell_tax"]["value"] == "0.02"
    assert risk.facts["owner"]["source"] == "rpc"
    assert risk.errors == {}
    assert ContractSnapshot.objects.filter(offering=offering).count() == 3
    assert len([r for r in goplus.requests if "token_security" in r.path]) == 2  # 429, then data

    # A week later the sell tax has been raised; the re-check is due.
    goplus.tokens[(1, TOKEN)] = clean_token(sell_tax="0.25")
    ContractRisk.objects.filter(offering=offering).update(
        next_check_at=timezone.now() - dt.timedelta(seconds=1)
    )
    scheduler.apply_async(entry)
    change = wait_for(
        lambda: ContractChange.objects.filter(offering=offering).first(),
        timeout=60,
        what="the re-check's change",
    )
    assert change.summary == "sell tax 2% → 25%"
    notification = wait_for(
        lambda: Notification.objects.filter(user=analyst, kind="contract").first(),
        timeout=30,
        what="the watcher's notification",
    )
    assert notification.message.endswith("changed: sell tax 2% → 25%")
    delivery = wait_for(
        lambda: WebhookDelivery.objects.filter(
            endpoint=endpoint, status=WebhookDelivery.Status.SUCCEEDED
        ).first(),
        timeout=60,
        what="the contract.changed delivery",
    )
    event = Webhook(secret).verify(receiver.received[-1].body, receiver.received[-1].headers)
    assert event["type"] == delivery.event_type == "contract.changed"
    assert event["data"]["slug"] == offering.slug
    assert event["data"]["changes"][0]["summary"] == "sell tax 2% → 25%"
    assert ContractRisk.objects.get(offering=offering).checks == 2
