"""The offering page's "Public records" section and its confirm/reject buttons (htmx, or a
plain form post), with the permission checked in the view."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from records.models import Filing, FilingCheck, RecordMatch
from tests.conftest import with_role
from tests.factories import OfferingFactory, UserFactory
from tests.records.conftest import fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposal():
    offering = OfferingFactory(
        name="Nova Chain", legal_entity="", website="https://novachain.io", symbol="NOVA"
    )
    call_command("import_regulator_list", "--format", "csv", str(_list()), stdout=StringIO())
    return RecordMatch.objects.get(offering=offering)


def _list():
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as path:
        path.write("authority,kind,date,title,names,domains,url\n")
        path.write(
            "SEC,action,2024-12-03,SEC v. Nova Chain Labs,Nova Chain Labs,novachain.io,"
            "https://www.sec.gov/litigation/litreleases/lr-26001\n"
        )
    return path.name


def page(client, offering) -> str:
    response = client.get(reverse("offerings:detail", args=[offering.slug]))
    assert response.status_code == 200
    return response.content.decode()


def decide_url(match, decision="confirm") -> str:
    return reverse("records:match-decide", args=[match.pk, decision])


def test_the_team_sees_proposals_with_confirm_and_reject(client, analyst, proposal):
    client.force_login(analyst)
    html = page(client, proposal.offering)

    assert 'id="public-records"' in html
    assert "SEC v. Nova Chain Labs" in html and "matched on same web domain" in html
    assert decide_url(proposal, "confirm") in html and decide_url(proposal, "reject") in html


def test_outsiders_see_confirmed_links_only_and_no_buttons(client, viewer, analyst, proposal):
    client.force_login(viewer)
    assert "SEC v. Nova Chain Labs" not in page(client, proposal.offering)

    proposal_url = decide_url(proposal)
    analyst_client = type(client)()
    analyst_client.force_login(analyst)
    analyst_client.post(proposal_url, {"note": "same domain and founders"})

    html = page(client, proposal.offering)
    assert "SEC v. Nova Chain Labs" in html and "Confirmed" in html
    assert proposal_url not in html and "analyst" not in html.split('id="public-records"')[1][:3000]


def test_htmx_confirm_swaps_the_row_and_records_the_decision(client, analyst, proposal):
    client.force_login(analyst)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(
            decide_url(proposal), {"note": "same founders"}, headers={"HX-Request": "true"}
        )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.strip().startswith(f'<li id="record-match-{proposal.pk}">')
    assert "Confirmed" in html and "“same founders”" in html and "by analyst" in html
    proposal.refresh_from_db()
    assert (proposal.state, proposal.decided_by, proposal.note) == (
        "confirmed",
        analyst,
        "same founders",
    )
    # Session, user, permissions, the match, a savepoint, its locked re-read, the save and its
    # history row, the release, and the row read back for the partial (the unlock-event
    # listener of offerings_changed leaves public-record senders alone).
    assert len(captured) == 10


def test_a_plain_form_post_rejects_and_returns_to_the_page(client, analyst, proposal):
    client.force_login(analyst)
    response = client.post(decide_url(proposal, "reject"))

    assert response.status_code == 302
    assert response["Location"] == reverse("offerings:detail", args=[proposal.offering.slug])
    assert RecordMatch.objects.get().state == "rejected"


def test_deciding_twice_says_why_without_changing_anything(client, analyst, proposal):
    client.force_login(analyst)
    client.post(decide_url(proposal, "reject"))
    response = client.post(decide_url(proposal, "confirm"), headers={"HX-Request": "true"})

    assert "is rejected, not proposed" in response.content.decode()
    assert RecordMatch.objects.get().state == "rejected"


@pytest.mark.parametrize("persona", ["viewer", "outsider"])
def test_viewers_and_users_without_a_role_may_not_decide(client, persona, proposal):
    user = UserFactory(username="someone")
    if persona == "viewer":
        with_role(user, "viewer")
    client.force_login(user)

    response = client.post(decide_url(proposal))

    assert response.status_code == 403
    assert RecordMatch.objects.get().state == "proposed"


def test_anonymous_visitors_are_sent_to_sign_in(client, proposal):
    response = client.post(decide_url(proposal))
    assert response.status_code == 302 and "/accounts/" in response["Location"]
    assert RecordMatch.objects.get().state == "proposed"


def test_a_get_is_refused(client, analyst, proposal):
    client.force_login(analyst)
    assert client.get(decide_url(proposal)).status_code == 405


def test_filing_check_persons_and_sanctioned_contract_are_shown(client, analyst):
    offering = OfferingFactory(
        kind="sto",
        regulatory_filing="SEC Form D 0001800001-24-000007",
        contract_address="0x8589427373D6D84E98730D7795D8f6f8731FDA16",
    )
    filing = Filing.objects.create(
        accession="0001800001-24-000007",
        cik="1800001",
        company="Ledgerline Securities Inc.",
        form="D",
        url="https://www.sec.gov/Archives/edgar/data/1800001/x-index.htm",
        related_persons=[{"name": "Bob Nguyen", "relationships": ["Promoter"]}],
        fetched_at=timezone.now(),
    )
    FilingCheck.objects.create(
        offering=offering,
        claim=offering.regulatory_filing,
        accession=filing.accession,
        found=True,
        filing=filing,
        evidence="EDGAR lists Form D 0001800001-24-000007",
        checked_at=timezone.now(),
    )
    call_command("import_ofac_addresses", str(fixture("sdn.xml")), stdout=StringIO())
    client.force_login(analyst)

    html = page(client, offering)

    assert "Verified" in html and "EDGAR lists Form D 0001800001-24-000007" in html
    assert "Bob Nguyen" in html and "Promoter" in html
    section = html.split("<h3>Sanctions</h3>")[1][:600]
    assert "is on OFAC's SDN list" in section and "DARKMIX SERVICES" in section, section
