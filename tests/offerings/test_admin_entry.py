"""The offering admin as staff use it all day: amounts, lists, one status, the list's columns
and filters, the change form's query count, and exports."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from offerings.models import Absence, Offering
from tests.factories import (
    AuditFactory,
    OfferingFactory,
    SaleRoundFactory,
    TeamMemberFactory,
    full_offering,
)
from tests.offerings.test_admin import ADD, CHANGELIST, offering_form, page_slugs

pytestmark = pytest.mark.django_db


def change_url(offering: Offering) -> str:
    return reverse("admin:offerings_offering_change", args=[offering.pk])


def test_amounts_typed_in_three_spellings_are_stored_exactly(staff_client):
    data = offering_form(soft_cap="2e6", hard_cap="20,000,000", raised_usd="1 250 000.5")
    response = staff_client.post(ADD, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    offering = Offering.objects.get()
    assert (offering.soft_cap, offering.hard_cap, offering.raised_usd) == (
        Decimal("2000000"),
        Decimal("20000000"),
        Decimal("1250000.5"),
    )


def test_an_ambiguous_amount_is_refused_with_field_value_and_rule(staff_client):
    response = staff_client.post(ADD, offering_form(hard_cap="1,5", total_supply="1e40"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "hard_cap (&#x27;1,5&#x27;) has a comma that could be a decimal point" in content
    assert "total_supply (&#x27;1e40&#x27;) must be below 10^30" in content
    assert not Offering.objects.exists()


def test_the_form_shows_amounts_readably_and_lists_one_per_line(staff_client):
    offering = full_offering(
        hard_cap=Decimal("20000000"),
        restricted_countries=["US", "KP"],
        backers=["Granite Ventures", "Northwind Capital"],
    )
    content = staff_client.get(change_url(offering)).content.decode()
    assert 'name="hard_cap" value="20,000,000"' in content
    assert "Hard cap (USD):" in content
    assert "000000000000000000" not in content
    assert ">\nUS\nKP</textarea>" in content
    assert ">\nGranite Ventures\nNorthwind Capital</textarea>" in content
    assert "[&quot;Granite" not in content and "[&quot;US" not in content  # never raw JSON


def test_the_status_is_one_field_saying_where_it_comes_from(staff_client):
    upcoming = OfferingFactory(start_date="2099-01-01", end_date="2099-02-01")
    content = staff_client.get(change_url(upcoming)).content.decode()
    assert content.count('name="declared_status"') == 1
    assert "Upcoming — derived from the sale dates; set by hand to override." in content
    assert "field-status_display" not in content


def test_socials_typed_one_per_line_replace_the_offerings_links(staff, staff_client):
    offering = full_offering()
    data = offering_form(
        name=offering.name,
        slug=offering.slug,
        checked_none=[],
        socials="https://t.me/kestrel\ndiscord.gg/kestrel",
    )
    for prefix in ["team", "allocations", "rounds", "audits", "documents"]:
        data[f"{prefix}-TOTAL_FORMS"] = "0"
    response = staff_client.post(change_url(offering), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    links = dict(offering.socials.values_list("network", "url"))
    assert links == {"telegram": "https://t.me/kestrel", "discord": "https://discord.gg/kestrel"}
    assert offering.socials.model.history.filter(history_user=staff, history_type="-").exists()


def test_a_social_link_of_an_unknown_site_is_refused_with_its_line(staff_client):
    response = staff_client.post(ADD, offering_form(socials="https://t.me/a\nkestrel.example"))
    content = response.content.decode()
    assert "socials line 2 (&#x27;kestrel.example&#x27;): cannot tell the network" in content
    assert not Offering.objects.exists()


def test_the_changelist_shows_short_kinds_readable_amounts_and_the_meaning_of_zero(
    staff_client,
):
    OfferingFactory(name="Kestrel Pay", kind="ieo", hard_cap=Decimal(0), cap_currency="USD")
    OfferingFactory(name="Umbra", hard_cap=Decimal("20000000"), cap_currency="ETH")
    OfferingFactory(name="Quartz", hard_cap=None)
    content = staff_client.get(CHANGELIST).content.decode()
    assert '<abbr title="IEO — initial exchange offering">IEO</abbr>' in content
    assert "none (stated)" in content
    assert "20,000,000 ETH" in content
    assert "000000000000000000" not in content
    for column in ["score_shown", "grade_shown", "risk_shown", "coverage_shown"]:
        assert f"column-{column}" in content


def test_the_checked_none_filter_tells_checked_from_not_recorded(staff, staff_client):
    from offerings.services import absence_record

    checked = OfferingFactory(slug="checked")
    audited = OfferingFactory(slug="audited")
    AuditFactory(offering=audited)
    OfferingFactory(slug="unknown")
    absence_record(offering=checked, part=Absence.Part.AUDITS, user=staff, source="test")
    assert page_slugs(staff_client.get(CHANGELIST, {"checked_none": "audits"})) == ["checked"]
    unknown = staff_client.get(CHANGELIST, {"checked_none": "audits:unknown"})
    assert page_slugs(unknown) == ["unknown"]
    backers = OfferingFactory(slug="no-backers", backers=None)
    absence_record(offering=backers, part=Absence.Part.BACKERS, user=staff, source="test")
    assert "no-backers" in page_slugs(staff_client.get(CHANGELIST, {"checked_none": "backers"}))


# Session, user and OTP device; the score panel's two latest assessments; the offering (with its
# status and assessment); its absences and socials (the form's initial values); one per inline
# (team, allocations, rounds, audits, documents); the venue choices; and who checked which part
# ("checked, none" record): the same for any number of entries.
# -1 since the user is kept between requests (accounts.auth_cache).
CHANGE_FORM_QUERIES = 13


def test_the_change_form_with_every_inline_has_a_pinned_query_count(
    staff_client, django_assert_num_queries
):
    offering = full_offering(backers=["Granite"])
    staff_client.get(change_url(offering))  # warm the content-type cache
    with django_assert_num_queries(CHANGE_FORM_QUERIES):
        assert staff_client.get(change_url(offering)).status_code == 200
    for position in range(2, 8):
        TeamMemberFactory(offering=offering, position=position)
        SaleRoundFactory(offering=offering)
        AuditFactory(offering=offering)
    with django_assert_num_queries(CHANGE_FORM_QUERIES):
        assert staff_client.get(change_url(offering)).status_code == 200


def _export(client, action: str, offerings: list[Offering]):
    data = {"action": action, "_selected_action": [str(o.pk) for o in offerings]}
    return client.post(CHANGELIST, data)


def test_the_export_action_writes_the_selected_offerings_as_jsonl(staff_client):
    chosen = full_offering(name="Kestrel Pay", slug="kestrel-pay")
    OfferingFactory(slug="left-out")
    response = _export(staff_client, "export_jsonl", [chosen])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="offerings-')
    records = [json.loads(line) for line in response.content.decode().splitlines()]
    assert [record["slug"] for record in records] == ["kestrel-pay"]
    assert records[0]["interchange_version"] == 2


def test_the_csv_export_action_defuses_spreadsheet_formulas(staff_client):
    risky = OfferingFactory(slug="formula", description='=HYPERLINK("http://evil.example")')
    response = _export(staff_client, "export_csv", [risky])
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["slug"] == "formula"
    assert rows[0]["description"].startswith("'=HYPERLINK")


def test_a_viewer_sees_the_amounts_and_socials_read_only_and_readable(client):
    from django.contrib.auth.models import Permission

    from tests.conftest import otp_verified_login
    from tests.factories import UserFactory

    reader = UserFactory(username="reader", is_staff=True)
    reader.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_offering", "view_saleround"])
    )
    otp_verified_login(client, reader)
    offering = full_offering(
        hard_cap=Decimal(0), raised_usd=Decimal("1250000.5"), backers=["Granite", "Northwind"]
    )
    content = client.get(change_url(offering)).content.decode()
    assert "Granite<br>Northwind" in content and "[&quot;Granite" not in content
    assert "0.08 USD" in content  # the sale round's price, read-only
    assert "none (stated)" in content
    assert "1,250,000.5 USD" in content
    assert "000000000000000000" not in content
    assert 'name="hard_cap"' not in content
