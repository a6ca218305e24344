from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from diligence.models import Assessment
from diligence.rescoring import assessments_refresh
from diligence.rules import RULES
from diligence.services import finding_review_create
from tests.factories import OfferingFactory, full_offering

pytestmark = pytest.mark.django_db

COMPARE = reverse("offerings:compare")
# Session, user, the offerings (with venue, status and assessment), their current findings,
# and the header's unread-notification count.
# +1 since roles: the signed-in user's permissions, read once per request (accounts.backends).
# -1 since the permission cache: read once, then cached (conftest.page_queries: steady state).
# -1 since the user is kept between requests (accounts.auth_cache).
COMPARE_QUERIES = 4


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def compare(client, *slugs: str, status: int = 200) -> str:
    response = client.get(COMPARE, {"o": list(slugs)})
    assert response.status_code == status
    return response.content.decode()


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def row(content: str, label: str) -> str:
    """The table row whose header cell starts with `label`, as text."""
    for html in re.findall(r"<tr[^>]*>.*?</tr>", content, re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', html, re.S)
        if header and text(header.group(1)).startswith(label):
            return html
    raise AssertionError(f"no row {label!r}")


def outcomes(offering) -> dict[str, str]:
    findings = Assessment.objects.current().get(offering=offering).findings
    return {finding.rule_code: finding.outcome for finding in findings}


@pytest.fixture
def pair():
    strong = full_offering(name="Helix Grid", slug="helix-grid", kyc="required")
    weak = full_offering(
        name="Quartz Ledger",
        slug="quartz-ledger",
        kyc="not_required",
        hard_cap=None,
        refund_policy="none",
    )
    assessments_refresh()
    return strong, weak


def test_two_offerings_are_compared_rule_by_rule_in_checklist_order(analyst_client, pair):
    content = compare(analyst_client, "helix-grid", "quartz-ledger")
    header = re.search(r"<thead>.*?</thead>", content, re.S).group(0)
    assert header.index("Helix Grid") < header.index("Quartz Ledger")
    codes = re.findall(r'<tr id="rule-([^"]+)"', content)
    assert sorted(codes) == sorted(RULES)
    helix, quartz = outcomes(pair[0]), outcomes(pair[1])
    kyc = text(row(content, RULES["kyc.absent"].title))
    assert kyc.endswith("Pass KYC: required of buyers Red flag KYC: not required of buyers")
    assert (helix["kyc.absent"], quartz["kyc.absent"]) == ("pass", "flag")


def test_rows_that_differ_are_marked_in_words_and_by_class(analyst_client, pair):
    content = compare(analyst_client, "helix-grid", "quartz-ledger")
    helix, quartz = outcomes(pair[0]), outcomes(pair[1])
    for code, rule in RULES.items():
        html = row(content, rule.title)
        differs = helix[code] != quartz[code]
        assert ('class="differs"' in html) == differs, code
        assert ("differs</span>" in html) == differs, code
    differing = sum(helix[code] != quartz[code] for code in RULES)
    assert f"{differing} of the checklist's rules have different outcomes" in content


def test_key_sale_terms_are_side_by_side(analyst_client, pair):
    content = compare(analyst_client, "helix-grid", "quartz-ledger")
    assert text(row(content, "Hard cap")) == "Hard cap differs 5,000,000 USD unknown"
    assert text(row(content, "Soft cap")) == "Soft cap 1,000,000 USD 1,000,000 USD"
    assert 'class="differs"' not in row(content, "Soft cap")
    assert text(row(content, "Venue")) == "Venue self-hosted / unknown self-hosted / unknown"
    assert text(row(content, "Refund")) == (
        "Refund if soft cap missed differs Full refund No refund"
    )
    assert text(row(content, "KYC")) == "KYC differs Required Not required"
    assert "Score (grade) differs" in text(row(content, "Score (grade)"))


def test_an_analyst_override_is_marked_in_its_cell(
    analyst_client, analyst, pair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finding_review_create(
            offering=pair[1],
            author=analyst,
            rule_code="kyc.absent",
            verdict="overturn",
            outcome="pass",
            note="KYC is enforced by the launchpad itself",
        )
    html = row(compare(analyst_client, "helix-grid", "quartz-ledger"), RULES["kyc.absent"].title)
    assert "analyst override" in html and 'class="differs"' not in html


def test_manual_findings_get_rows_of_their_own(
    analyst_client, analyst, pair, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        finding_review_create(
            offering=pair[0],
            author=analyst,
            rule_code="founder",
            verdict="manual",
            outcome="flag",
            title="Founder linked to a failed sale",
            severity="high",
            note="press report of 2 March names the CEO",
        )
    html = row(compare(analyst_client, "helix-grid", "quartz-ledger"), "Founder linked")
    assert text(html) == (
        "Founder linked to a failed sale manual.founder differs "
        "Red flag Founder linked to a failed sale not assessed"
    )


def test_up_to_four_offerings_fit_and_duplicates_count_once(analyst_client, pair):
    OfferingFactory(slug="third")
    OfferingFactory(slug="fourth")
    content = compare(
        analyst_client, "helix-grid", "quartz-ledger", "helix-grid", "third", "fourth"
    )
    assert content.count('<th scope="col"><a href="/offerings/') == 4
    assert "not assessed" in content
    assert 'id="compare-add"' not in content  # full: no room to add another


def test_more_than_four_is_a_bad_request_with_a_message(analyst_client):
    content = compare(analyst_client, "a", "b", "c", "d", "e", status=400)
    assert "Compare at most 4 offerings at a time; 5 were given (a, b, c, d, e)" in content


@pytest.mark.parametrize("slugs", [(), ("helix-grid",)])
def test_fewer_than_two_asks_for_more(analyst_client, pair, slugs):
    content = compare(analyst_client, *slugs)
    assert "Choose at least 2 offerings to compare" in content
    assert '<label for="compare-add">' in content
    assert "<table" not in content


def test_unknown_slugs_are_named_and_the_rest_compared(analyst_client, pair):
    content = compare(analyst_client, "helix-grid", "nope", "quartz-ledger")
    assert "No offering has the slug “nope”; comparing the others." in content
    assert '<tr id="rule-kyc.absent"' in content
    alone = compare(analyst_client, "helix-grid", "nope")
    assert "No offering has the slug “nope”" in alone and "Choose at least 2" in alone


def test_the_add_form_keeps_the_current_offerings_and_each_can_be_removed(analyst_client, pair):
    content = compare(analyst_client, "helix-grid", "quartz-ledger")
    form = re.search(r'<form method="get".*?</form>', content, re.S).group(0)
    assert '<input type="hidden" name="o" value="helix-grid">' in form
    assert '<input type="hidden" name="o" value="quartz-ledger">' in form
    assert f'href="{COMPARE}?o=quartz-ledger"' in content  # removes Helix Grid


def test_compare_follows_the_browsing_rules(client, settings, pair):
    settings.OFFERWATCH_PUBLIC_BROWSING = False
    response = client.get(COMPARE, {"o": ["helix-grid", "quartz-ledger"]})
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    settings.OFFERWATCH_PUBLIC_BROWSING = True
    assert "Helix Grid" in compare(client, "helix-grid", "quartz-ledger")
    assert client.post(COMPARE).status_code == 405


def test_the_query_count_does_not_grow_with_the_number_of_offerings(analyst_client, pair):
    full_offering(slug="third", hard_cap=Decimal(1))
    full_offering(slug="fourth")
    assessments_refresh()
    compare(analyst_client, "helix-grid", "quartz-ledger")  # steady state: permissions cached
    for slugs in (
        ("helix-grid", "quartz-ledger"),
        ("helix-grid", "quartz-ledger", "third", "fourth"),
    ):
        with CaptureQueriesContext(connection) as captured:
            compare(analyst_client, *slugs)
        assert len(captured) == COMPARE_QUERIES
