"""The contract-risk panel of the offering page, the list's contract-risk filter and the
export's read-only `contract` object."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from diligence.rescoring import assessments_refresh
from diligence.selectors import assessed_export
from offerings.models import Offering
from tests.factories import OfferingFactory, full_offering
from tests.offerings.contract_risk.factories import CHECKED, change, checked
from tests.offerings.test_detail import DETAIL_QUERIES, text

pytestmark = pytest.mark.django_db

# ... and, once the contract was checked: its change timeline (the check itself is joined), and
# its addresses looked up on the sanctions list (records.page).
CHECKED_DETAIL_QUERIES = DETAIL_QUERIES + 2


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def panel(client, offering) -> str:
    content = client.get(reverse("offerings:detail", args=[offering.slug])).content.decode()
    return text(re.search(r'<section id="contract".*?</section>', content, re.S).group(0))


def test_the_panel_shows_each_fact_with_its_source_and_date_and_the_timeline(analyst_client):
    offering = OfferingFactory()
    checked(offering, sell_tax="0.25", is_mintable=True, errors={"rpc": "HTTP 500, 2 attempts"})
    change(offering, "sell tax 2% → 25%", when=CHECKED + dt.timedelta(days=7))

    shown = panel(analyst_client, offering)

    assert "Sell tax 25% GoPlus 2026-12-11" in shown
    assert "Mintable yes GoPlus 2026-12-11" in shown
    assert "the chain (JSON-RPC) could not answer at the last check: HTTP 500" in shown
    assert "2026-12-18 : sell tax 2% → 25%" in shown  # <time> then the summary


def test_the_panel_says_why_a_contract_cannot_be_checked_or_that_it_was_not_yet(analyst_client):
    assert "Not applicable: no contract address recorded" in panel(
        analyst_client, OfferingFactory(contract_address="")
    )
    assert "Not checked yet" in panel(
        analyst_client, OfferingFactory(contract_address="0x" + "1" * 40)
    )


def test_a_checked_page_has_a_pinned_query_count_whatever_its_changes(analyst_client, page_queries):
    few, many = OfferingFactory(), OfferingFactory()
    checked(few, sell_tax="0.02")
    checked(many, sell_tax="0.25")
    for day in range(30):
        change(many, f"change {day}", when=CHECKED + dt.timedelta(days=day))

    for offering in (few, many):
        page = page_queries(analyst_client, reverse("offerings:detail", args=[offering.slug]))
        assert page.count == CHECKED_DETAIL_QUERIES


def test_the_list_filters_by_contract_risk(analyst_client):
    flagged = full_offering(name="Trap", slug="trap")
    checked(flagged, is_honeypot=True, has_code=True)
    clear = full_offering(name="Fine", slug="fine")
    checked(clear, is_honeypot=False, has_code=True)
    full_offering(name="Unseen", slug="unseen")
    assessments_refresh()

    def names(value):
        response = analyst_client.get(reverse("offerings:list"), {"contract_risk": value})
        return re.findall(r'<a href="/offerings/[^/]+/">([^<]+)</a>', response.content.decode())

    assert names("flagged") == ["Trap"]
    assert names("clear") == ["Fine"]
    assert names("unchecked") == ["Unseen"]
    response = analyst_client.get(reverse("offerings:list"), {"contract_risk": "bad"})
    assert "contract_risk=&#x27;bad&#x27; is ignored: must be one of flagged, clear, unchecked" in (
        response.content.decode()
    )


def test_the_export_carries_the_contract_read_only_and_re_imports_unchanged(tmp_path):
    offering = full_offering(slug="checked")
    checked(offering, sell_tax="0.02", top_holders=[])
    (record,) = assessed_export(Offering.objects.filter(pk=offering.pk))
    assert record["contract"]["facts"]["sell_tax"]["value"] == "0.02"
    assert record["contract"]["checked_at"] == CHECKED.isoformat()
    for fmt in ("jsonl", "csv"):
        path = tmp_path / f"export.{fmt}"
        call_command(
            "export_offerings", "--format", fmt, "--output", str(path), stderr=io.StringIO()
        )
        before = path.read_bytes()
        out = io.StringIO()
        call_command("import_offerings", str(path), "--format", fmt, "--no-progress", stdout=out)
        assert "0 created, 0 updated, 1 unchanged" in out.getvalue()
        call_command(
            "export_offerings", "--format", fmt, "--output", str(path), stderr=io.StringIO()
        )
        assert path.read_bytes() == before
