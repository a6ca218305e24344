"""The contract-risk admin: read-only lists, and the action that checks offerings now."""

from __future__ import annotations

import pytest
from django.urls import reverse

from offerings.models import ContractRisk
from tests.factories import OfferingFactory
from tests.fakes.contract_risk import OWNER, clean_token

pytestmark = pytest.mark.django_db

TOKEN = "0x" + "ab" * 20


def test_staff_check_selected_offerings_and_read_the_results(
    staff_client, contract_settings, goplus, explorer, rpc
):
    goplus.tokens[(1, TOKEN)] = clean_token(sell_tax="0.3")
    explorer.verified(TOKEN)
    rpc.contract(TOKEN, owner=OWNER)
    offering = OfferingFactory(contract_address=TOKEN)

    response = staff_client.post(
        reverse("admin:offerings_offering_changelist"),
        {"action": "check_contracts", "_selected_action": [offering.pk]},
        follow=True,
    )

    assert "1 contracts checked, 0 changes" in response.content.decode()
    assert ContractRisk.objects.get(offering=offering).facts["sell_tax"]["value"] == "0.3"
    for model in ("contractrisk", "contractsnapshot", "contractchange"):
        page = staff_client.get(reverse(f"admin:offerings_{model}_changelist"))
        assert page.status_code == 200
    add = staff_client.get(reverse("admin:offerings_contractrisk_add"))
    assert add.status_code == 403
