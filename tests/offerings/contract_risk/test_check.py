"""Checking contracts end to end against the local providers: what is stored, the changes
between checks and who hears of them, the schedule and the command."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from analyst.models import Notification, Watch
from api.webhooks.models import WebhookDelivery
from api.webhooks.services import endpoint_create
from diligence.models import Assessment
from offerings.contract_risk.provider import Observation
from offerings.contract_risk.refresh import contracts_check, contracts_due
from offerings.contract_risk.storage import Checked, checks_store, next_check_at
from offerings.models import ContractChange, ContractRisk, ContractSnapshot, MarketSummary
from tests.conftest import with_role
from tests.factories import OfferingFactory, UserFactory
from tests.fakes.coingecko import Fault
from tests.fakes.contract_risk import OWNER, account, clean_token

pytestmark = pytest.mark.django_db

TOKEN = "0x" + "ab" * 20
NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def token(contract_settings, goplus, explorer, rpc):
    """An IDO whose contract every provider knows: clean, verified, owned by an account."""
    goplus.tokens[(1, TOKEN)] = clean_token()
    explorer.verified(TOKEN)
    rpc.contract(TOKEN, owner=OWNER)
    return OfferingFactory(kind="ido", venue=None, contract_address=TOKEN.upper().replace("X", "x"))


def check(offering, now=NOW):
    return contracts_check(offering_ids=[offering.pk], now=now)


def test_a_check_stores_each_provider_s_answer_and_the_merged_facts(token):
    report = check(token)

    assert (report.contracts, report.snapshots, report.failed) == (1, 3, [])
    snapshots = {s.provider: s for s in ContractSnapshot.objects.filter(offering=token)}
    assert set(snapshots) == {"goplus", "explorer", "rpc"}
    assert snapshots["goplus"].raw["sell_tax"] == "0.02"
    assert snapshots["rpc"].raw[0]["method"] == "eth_getCode"
    risk = ContractRisk.objects.get(offering=token)
    assert (risk.chain_id, risk.address, risk.checked_at) == (1, TOKEN, NOW)
    assert risk.facts["sell_tax"] == {
        "value": "0.02",
        "source": "goplus",
        "seen_at": snapshots["goplus"].fetched_at.isoformat(),
    }
    # the chain outranks GoPlus for the owner, the explorer outranks it for verification
    assert risk.facts["owner"]["source"] == "rpc"
    assert risk.facts["verified"]["source"] == "explorer"
    assert risk.next_check_at == NOW + dt.timedelta(days=7)


def test_the_rules_read_the_check_and_quote_it(token, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        check(token, now=timezone.now())

    finding = Assessment.objects.get(offering=token, is_current=True).finding("contract.high_tax")
    assert finding.outcome == "pass"
    assert "(GoPlus, " in finding.evidence


def test_a_re_check_that_raises_the_sell_tax_is_a_change_watchers_and_webhooks_hear_of(
    token, goplus, django_capture_on_commit_callbacks
):
    analyst = with_role(UserFactory(), "analyst")  # webhook events go to the team only
    Watch.objects.create(user=analyst, offering=token)
    endpoint, _ = endpoint_create(
        owner=analyst,
        url="https://hooks.example.com/in",
        events=["contract.changed"],
        resolver=lambda host, port: ["93.184.216.34"],
    )
    check(token)
    goplus.tokens[(1, TOKEN)] = clean_token(sell_tax="0.25")

    with django_capture_on_commit_callbacks(execute=True):
        report = check(token, now=NOW + dt.timedelta(days=7))

    assert report.changes == 1
    change = ContractChange.objects.get(offering=token)
    assert (change.fact, change.old, change.new, change.source) == (
        "sell_tax",
        "0.02",
        "0.25",
        "goplus",
    )
    assert change.summary == "sell tax 2% → 25%"
    notification = Notification.objects.get(user=analyst, kind="contract")
    assert notification.message == f"Contract of {token.name} changed: sell tax 2% → 25%"
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event_type == "contract.changed"
    assert delivery.payload["data"]["changes"][0]["summary"] == "sell tax 2% → 25%"
    risk = ContractRisk.objects.get(offering=token)
    assert (risk.checks, risk.next_check_at) == (2, NOW + dt.timedelta(days=30))


def test_renouncing_and_taking_back_ownership_are_changes(token, rpc):
    check(token)
    rpc.owners[TOKEN] = "0x" + "0" * 40
    check(token, now=NOW + dt.timedelta(days=7))
    rpc.owners[TOKEN] = account(5)
    check(token, now=NOW + dt.timedelta(days=30))

    summaries = list(
        ContractChange.objects.filter(offering=token)
        .order_by("detected_at")
        .values_list("summary", flat=True)
    )
    assert summaries == [
        "ownership renounced (owner was 0x1111…1111)",
        "ownership taken back by 0x0000…0005",
    ]


def test_a_provider_that_cannot_answer_keeps_its_earlier_facts_with_their_date(token, goplus):
    check(token)
    first_seen = ContractRisk.objects.get(offering=token).facts["sell_tax"]["seen_at"]
    goplus.fail(Fault("500"), Fault("500"))

    report = check(token, now=NOW + dt.timedelta(days=7))

    risk = ContractRisk.objects.get(offering=token)
    assert risk.facts["sell_tax"]["seen_at"] == first_seen
    assert "HTTP 500" in risk.errors["goplus"]
    assert any(line.startswith("goplus on chain 1") for line in report.failed)
    assert not ContractChange.objects.exists()


def test_a_new_address_starts_a_new_history_without_changes(token, goplus, rpc):
    check(token)
    other = "0x" + "cd" * 20
    goplus.tokens[(1, other)] = clean_token(sell_tax="0.3")
    rpc.contract(other)
    token.contract_address = other
    token.save()

    check(token, now=NOW + dt.timedelta(days=2))

    risk = ContractRisk.objects.get(offering=token)
    assert (risk.address, risk.first_checked_at, risk.checks) == (other, risk.checked_at, 1)
    assert not ContractChange.objects.exists()


def test_re_checks_come_after_7_and_30_days_then_monthly():
    first = NOW
    assert next_check_at(first, first) == first + dt.timedelta(days=7)
    assert next_check_at(first, first + dt.timedelta(days=7)) == first + dt.timedelta(days=30)
    assert next_check_at(first, first + dt.timedelta(days=30)) == first + dt.timedelta(days=60)
    assert next_check_at(first, first + dt.timedelta(days=75)) == first + dt.timedelta(days=90)


def test_due_contracts_are_new_changed_due_or_listed_since_their_check(contract_settings):
    never = OfferingFactory(contract_address=TOKEN)
    fresh, due, moved, listed = (OfferingFactory(contract_address=TOKEN) for _ in range(4))
    OfferingFactory(contract_address="")  # no contract yet
    OfferingFactory(chain="solana", contract_address="So11111111111111111111111111111111111111112")
    for offering, next_at in (
        (fresh, NOW + dt.timedelta(days=3)),
        (due, NOW),
        (moved, NOW + dt.timedelta(days=3)),
        (listed, NOW + dt.timedelta(days=3)),
    ):
        ContractRisk.objects.create(
            offering=offering,
            chain_id=1,
            address=TOKEN,
            first_checked_at=NOW,
            checked_at=NOW - dt.timedelta(days=1),
            next_check_at=next_at,
        )
    moved.contract_address = "0x" + "cd" * 20
    moved.save()
    MarketSummary.objects.create(offering=listed, listed_at=NOW)

    assert contracts_due(now=NOW) == [never.pk, due.pk, moved.pk, listed.pk]


def test_the_write_phase_takes_the_same_queries_for_2_or_20_contracts(contract_settings):
    def observations(n):
        now = timezone.now()
        return [
            Observation("goplus", now, {"sell_tax": f"0.0{n % 9}", "owner": account(n)}, raw={}),
            Observation("rpc", now, {"has_code": True}, raw=[]),
        ]

    def store(count):
        offerings = [OfferingFactory(contract_address=TOKEN) for _ in range(count)]
        for offering in offerings:
            Watch.objects.create(user=UserFactory(), offering=offering)
        checks_store(checks=[Checked(o.pk, 1, TOKEN, observations(1)) for o in offerings], now=NOW)
        with CaptureQueriesContext(connection) as captured:
            checks_store(
                checks=[Checked(o.pk, 1, TOKEN, observations(2)) for o in offerings],
                now=NOW + dt.timedelta(days=7),
            )
        assert ContractChange.objects.filter(offering__in=offerings).count() == 2 * count
        return len(captured)

    assert store(2) == store(20)


def test_the_command_checks_one_offering_by_slug(token):
    out = StringIO()
    call_command("refresh_contract_risk", "--offering", token.slug, stdout=out)

    assert json.loads(out.getvalue())["contracts"] == 1
    assert ContractRisk.objects.filter(offering=token).exists()


def test_the_command_checks_every_checkable_offering_and_names_what_it_cannot(token):
    OfferingFactory(contract_address="")
    sol = OfferingFactory(
        chain="solana", contract_address="So11111111111111111111111111111111111111112"
    )
    out = StringIO()
    call_command("refresh_contract_risk", stdout=out)
    assert json.loads(out.getvalue())["contracts"] == 1

    with pytest.raises(CommandError, match="cannot be checked: chain 'solana'"):
        call_command("refresh_contract_risk", "--offering", sol.slug)
    with pytest.raises(CommandError, match="no offering has this slug"):
        call_command("refresh_contract_risk", "--offering", "nope")


def test_a_check_no_provider_answered_is_tried_again_at_the_next_sweep(
    token, goplus, explorer, rpc
):
    for fake in (goplus, explorer, rpc):
        fake.fail(*[Fault("500")] * 8)

    report = check(token)

    risk = ContractRisk.objects.get(offering=token)
    assert set(risk.errors) == {"goplus", "explorer", "rpc"}
    assert risk.facts == {}
    assert risk.next_check_at == NOW + dt.timedelta(seconds=3600)
    assert len(report.failed) == 3
