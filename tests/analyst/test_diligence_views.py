from __future__ import annotations

import json
import re

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from diligence.methodology import methodology
from diligence.models import Assessment, Finding, FindingReview, OfferingReview
from diligence.rescoring import assessments_refresh
from diligence.rules import RULES
from diligence.scoring import METHODOLOGY_VERSION, fingerprint
from tests.conftest import otp_verified_login, with_role
from tests.factories import UserFactory, full_offering

pytestmark = pytest.mark.django_db

METHODOLOGY = reverse("diligence:methodology")
NOTE = "the issuer's KYC provider confirmed by e-mail that checks are on"
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def offering():
    offering = full_offering(kyc="not_required")
    assessments_refresh()
    return offering


def review_url(offering) -> str:
    return reverse("diligence:review", args=[offering.slug])


def workflow_url(offering) -> str:
    return reverse("diligence:workflow", args=[offering.slug])


def detail_url(offering) -> str:
    return reverse("offerings:detail", args=[offering.slug])


def current_finding(offering, code: str) -> Finding:
    return Assessment.objects.current().get(offering=offering).finding(code)


def finding_html(content: str, code: str) -> str:
    match = re.search(rf'<details id="finding-{re.escape(code)}".*?</details>', content, re.S)
    assert match, f"no finding {code} in the answer"
    return match.group(0)


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def overturn(client, offering, capture, **overrides):
    data = {"rule_code": "kyc.absent", "verdict": "overturn", "outcome": "pass", "note": NOTE}
    with capture(execute=True):
        return client.post(review_url(offering), data | overrides, **HTMX)


# Methodology


def test_the_methodology_lists_every_rule_with_an_anchor_and_its_metadata(analyst_client):
    content = analyst_client.get(METHODOLOGY).content.decode()
    for rule in methodology()["rules"]:
        row = re.search(rf'<tr id="{re.escape(rule["code"])}".*?</tr>', content, re.S)
        assert row, rule["code"]
        for value in (rule["title"], rule["severity"], rule["rationale"], rule["source"]):
            assert escape(value) in row.group(0), (rule["code"], value)
        assert f'<td class="num">{rule["flag_points"]}</td>' in row.group(0)
    assert content.count('<tr id="') == len(RULES)


def test_the_methodology_shows_its_version_fingerprint_and_scoring_rule(analyst_client):
    content = analyst_client.get(METHODOLOGY).content.decode()
    assert f"Methodology {METHODOLOGY_VERSION}" in content
    assert fingerprint() in content
    assert escape(methodology()["scoring"]["formula"]) in content


def test_without_backtest_figures_the_page_says_how_to_produce_them(
    analyst_client, settings, tmp_path
):
    settings.OFFERWATCH_BACKTEST_REPORT = str(tmp_path / "missing.json")
    content = analyst_client.get(METHODOLOGY).content.decode()
    assert "No backtest figures yet" in content
    assert f"manage.py backtest --label &lt;field or CSV file&gt; --json {tmp_path}" in content


def test_backtest_figures_are_read_from_the_configured_report(analyst_client, settings, tmp_path):
    report = tmp_path / "backtest.json"
    report.write_text(
        json.dumps(
            {
                "labelled": 1200,
                "positives": 300,
                "auc": 0.6789,
                "coverage_auc": 0.55,
                "precision_at": {"100": 0.42},
                "base_rate": 0.25,
                "rules": [
                    {
                        "code": "kyc.absent",
                        "flagged": 40,
                        "flagged_positive_rate": 0.1,
                        "passed": 900,
                        "passed_positive_rate": 0.3,
                        "unknown": 260,
                        "lift": 3.0,
                    }
                ],
            }
        )
    )
    settings.OFFERWATCH_BACKTEST_REPORT = str(report)
    content = analyst_client.get(METHODOLOGY).content.decode()
    assert "1200 (300 good outcomes, base rate 25.0%)" in content
    assert "0.679" in content and "0.550" in content
    assert "Precision at 100</dt><dd>42.0%" in content
    backtest = content.split('id="backtest"')[1]
    row = re.search(r'<a href="#kyc.absent"><code>kyc.absent</code></a>.*?</tr>', backtest, re.S)
    assert re.sub(r"<[^>]+>", " ", row.group(0)).split()[1:] == [
        "40",
        "10.0%",
        "900",
        "30.0%",
        "260",
        "3.00",
    ]


def test_the_default_report_is_docs_backtest_json(settings):
    assert str(settings.BASE_DIR / "docs" / "backtest.json") == settings.OFFERWATCH_BACKTEST_REPORT


def test_the_configured_report_is_shown(analyst_client, settings, tmp_path):
    report = tmp_path / "backtest.json"
    report.write_text(json.dumps({"labelled": 7, "rules": []}))
    settings.OFFERWATCH_BACKTEST_REPORT = str(report)
    assert "Labelled offerings</dt><dd>7 " in analyst_client.get(METHODOLOGY).content.decode()


def test_an_unreadable_report_is_named_not_hidden(analyst_client, settings, tmp_path):
    report = tmp_path / "backtest.json"
    report.write_text("{not json")
    settings.OFFERWATCH_BACKTEST_REPORT = str(report)
    content = analyst_client.get(METHODOLOGY).content.decode()
    assert f"{report} could not be read" in content


def test_the_methodology_is_for_signed_in_analysts_unless_browsing_is_public(
    client, settings, page_queries
):
    settings.OFFERWATCH_PUBLIC_BROWSING = False
    assert client.get(METHODOLOGY).url == f"{reverse('login')}?next={METHODOLOGY}"
    settings.OFFERWATCH_PUBLIC_BROWSING = True
    assert page_queries(client, METHODOLOGY).count == 0


def test_the_methodology_costs_the_signed_in_pages_two_queries(analyst_client, page_queries):
    # Session and the header's unread-notification count (the user and their permissions are
    # kept: accounts.auth_cache): the checklist is code.
    assert page_queries(analyst_client, METHODOLOGY).count == 2
    assert analyst_client.post(METHODOLOGY).status_code == 405


# Reviews: access


@pytest.mark.parametrize("public", [False, True])
def test_anonymous_visitors_cannot_review_even_when_browsing_is_public(
    client, settings, offering, public
):
    settings.OFFERWATCH_PUBLIC_BROWSING = public
    data = {"rule_code": "kyc.absent", "verdict": "confirm", "note": NOTE}
    for url in (review_url(offering), workflow_url(offering)):
        response = client.post(url, data | {"action": "submit"})
        assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert not FindingReview.objects.exists() and not OfferingReview.objects.exists()


def test_reviews_and_workflow_only_answer_post(analyst_client, offering):
    assert analyst_client.get(review_url(offering)).status_code == 405
    assert analyst_client.get(workflow_url(offering)).status_code == 405


def test_reviewing_an_unknown_offering_is_not_found(analyst_client):
    url = reverse("diligence:review", args=["no-such-sale"])
    assert analyst_client.post(url, {"verdict": "confirm"}).status_code == 404


# Reviews: htmx


def test_an_htmx_overturn_returns_the_findings_region_and_rescoring_follows(
    analyst_client, analyst, offering, django_capture_on_commit_callbacks
):
    response = overturn(analyst_client, offering, django_capture_on_commit_callbacks)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="findings"') and "<html" not in content
    assert "Overturned kyc.absent to pass." in content
    review = FindingReview.objects.get()
    assert (review.author, review.verdict, review.outcome, review.note) == (
        analyst,
        "overturn",
        "pass",
        NOTE,
    )
    finding = current_finding(offering, "kyc.absent")
    assert finding.overridden and finding.review_id == review.pk


@pytest.mark.django_db(transaction=True)
def test_with_immediate_commits_the_answer_already_shows_the_override(client):
    analyst = with_role(UserFactory(username="committer"), "analyst")
    client.force_login(analyst)
    offering = full_offering(kyc="not_required")
    assessments_refresh()
    data = {"rule_code": "kyc.absent", "verdict": "overturn", "outcome": "pass", "note": NOTE}
    content = client.post(review_url(offering), data, **HTMX).content.decode()
    html = finding_html(content, "kyc.absent")
    assert "Analyst override (automatic: Red flag)" in html and " open>" in html.split("\n")[0]
    assert "The score is being recalculated" not in content


def test_while_rescoring_is_queued_the_answer_says_so(
    analyst_client, offering, django_capture_on_commit_callbacks
):
    content = overturn(analyst_client, offering, django_capture_on_commit_callbacks).content
    assert "The score is being recalculated; reload to see it." in content.decode()


def test_a_missing_note_is_shown_beside_the_note_and_the_choice_is_kept(
    analyst_client, offering, django_capture_on_commit_callbacks
):
    response = overturn(
        analyst_client,
        offering,
        django_capture_on_commit_callbacks,
        outcome="not_applicable",
        note="",
    )
    assert response.status_code == 200
    html = finding_html(response.content.decode(), "kyc.absent")
    assert " open>" in html.split("\n")[0]
    assert 'aria-invalid="true" aria-describedby="note-kyc.absent-error" autofocus' in html
    assert 'id="note-kyc.absent-error">a note is required' in html
    assert '<option value="not_applicable" selected>' in html
    assert not FindingReview.objects.exists()


def test_the_services_rules_come_back_beside_the_field_they_name(
    analyst_client, offering, django_capture_on_commit_callbacks
):
    short = overturn(analyst_client, offering, django_capture_on_commit_callbacks, note="too short")
    html = finding_html(short.content.decode(), "kyc.absent")
    assert "a note of at least 10 characters is required (got 9)" in html
    assert ">too short</textarea>" in html
    same = overturn(analyst_client, offering, django_capture_on_commit_callbacks, outcome="flag")
    html = finding_html(same.content.decode(), "kyc.absent")
    assert 'id="outcome-kyc.absent-error">&#x27;flag&#x27;: overturning a &#x27;flag&#x27;' in html
    assert not FindingReview.objects.exists()


def test_an_error_for_a_rule_not_on_the_page_is_shown_above_the_findings(
    analyst_client, offering, django_capture_on_commit_callbacks
):
    content = overturn(
        analyst_client, offering, django_capture_on_commit_callbacks, rule_code="no.such_rule"
    ).content.decode()
    assert re.search(
        r'<p class="error" role="alert">Review not saved: .*not a checklist rule', content
    )


def test_a_confirmation_is_recorded_and_marked(
    analyst_client, offering, django_capture_on_commit_callbacks
):
    data = {"rule_code": "team.anonymous", "verdict": "confirm", "note": NOTE}
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(review_url(offering), data, **HTMX)
    assert "Confirmed team.anonymous." in response.content.decode()
    finding = current_finding(offering, "team.anonymous")
    assert FindingReview.objects.get(pk=finding.review_id).verdict == "confirm"
    assert not finding.overridden
    page = analyst_client.get(detail_url(offering)).content.decode()
    assert "Confirmed by an analyst" in finding_html(page, "team.anonymous")


def test_an_analyst_adds_a_manual_finding(
    analyst_client, offering, django_capture_on_commit_callbacks
):
    data = {
        "verdict": "manual",
        "title": "Founder linked to a failed sale",
        "severity": "high",
        "outcome": "flag",
        "note": "press report of 2 March names the CEO",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(review_url(offering), data, **HTMX)
    assert (
        "Added the manual finding “Founder linked to a failed sale”." in response.content.decode()
    )
    finding = current_finding(offering, "manual.founder-linked-to-a-failed-sale")
    assert (finding.outcome, finding.severity, finding.weight) == ("flag", "high", 6)
    page = analyst_client.get(detail_url(offering)).content.decode()
    html = finding_html(page, "manual.founder-linked-to-a-failed-sale")
    assert "Analyst finding" in html and "press report of 2 March" in html


def test_a_manual_finding_without_a_title_is_refused_in_place(analyst_client, offering):
    data = {"verdict": "manual", "title": "", "severity": "low", "outcome": "pass", "note": NOTE}
    content = analyst_client.post(review_url(offering), data, **HTMX).content.decode()
    form = re.search(r'<details id="finding-manual".*?</details>', content, re.S).group(0)
    assert " open>" in form.split("\n")[0]
    assert 'id="manual-title-error">a manual finding needs a title' in form
    assert '<option value="pass" selected>' in form and escape(NOTE) in form
    assert not FindingReview.objects.exists()


def test_the_review_answer_has_a_fixed_query_count_whatever_the_findings(
    analyst_client, analyst, django_capture_on_commit_callbacks
):
    few, many = full_offering(kyc="not_required"), full_offering(kyc="not_required")
    assessments_refresh()
    for index in range(4):
        data = {
            "verdict": "manual",
            "title": f"Extra {index}",
            "severity": "low",
            "outcome": "flag",
            "note": NOTE,
        }
        with django_capture_on_commit_callbacks(execute=True):
            analyst_client.post(review_url(many), data, **HTMX)
    counts = []
    for target in (few, many):
        with CaptureQueriesContext(connection) as captured:
            overturn(analyst_client, target, django_capture_on_commit_callbacks)
        counts.append(len([q for q in captured if "SAVEPOINT" not in q["sql"]]))
    assert counts[0] == counts[1]


# Reviews: without JavaScript


def test_a_plain_post_redirects_to_the_finding_with_a_message(
    analyst_client, offering, django_capture_on_commit_callbacks
):
    data = {"rule_code": "kyc.absent", "verdict": "overturn", "outcome": "pass", "note": NOTE}
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst_client.post(review_url(offering), data)
    assert response.status_code == 302
    assert response.url == f"{detail_url(offering)}#finding-kyc.absent"
    assert messages_of(response) == ["Overturned kyc.absent to pass."]
    assert current_finding(offering, "kyc.absent").overridden


def test_a_plain_post_with_errors_redirects_with_the_errors_named(analyst_client, offering):
    data = {"rule_code": "kyc.absent", "verdict": "overturn", "outcome": "pass", "note": "hm"}
    response = analyst_client.post(review_url(offering), data)
    assert response.url == f"{detail_url(offering)}#finding-kyc.absent"
    assert messages_of(response) == [
        "Review not saved: note: a note of at least 10 characters is required (got 2)"
    ]
    assert not FindingReview.objects.exists()


# Workflow


def test_an_analyst_submits_an_offering_for_review_with_htmx(analyst_client, analyst, offering):
    response = analyst_client.post(workflow_url(offering), {"action": "submit"}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="workflow"') and "<html" not in content
    assert "State: <strong>In review</strong>" in content and "submitted by analyst" in content
    assert "The offering is now in review." in content
    assert 'value="approve"' in content
    assert OfferingReview.objects.get().submitted_by == analyst


def test_the_submitter_cannot_approve_and_is_told_why_with_a_403(client, analyst, offering):
    with_role(analyst, "approver")
    otp_verified_login(client, analyst)  # approvers pass MFA
    client.post(workflow_url(offering), {"action": "submit"}, **HTMX)
    htmx = client.post(workflow_url(offering), {"action": "approve"}, **HTMX)
    assert htmx.status_code == 403
    assert "the approver must be someone other than the last editor and the submitter" in (
        htmx.content.decode()
    )
    plain = client.post(workflow_url(offering), {"action": "approve"})
    assert plain.status_code == 403
    page = plain.content.decode()
    assert "<html" in page and "the approver must be someone other" in page
    assert OfferingReview.objects.get().state == "in_review"


def test_an_analyst_without_the_approver_role_cannot_approve(analyst_client, offering):
    """Regression: any signed-in user could approve (roles are checked in the service)."""
    analyst_client.post(workflow_url(offering), {"action": "submit"}, **HTMX)
    htmx = analyst_client.post(workflow_url(offering), {"action": "approve"}, **HTMX)
    assert htmx.status_code == 403
    assert "diligence.approve_offeringreview (the approver role)" in htmx.content.decode()
    assert OfferingReview.objects.get().state == "in_review"


def test_a_viewer_can_neither_review_nor_submit(client, viewer, offering):
    client.force_login(viewer)
    assert client.post(workflow_url(offering), {"action": "submit"}).status_code == 403
    data = {"rule_code": "kyc.absent", "verdict": "confirm", "note": NOTE}
    assert client.post(review_url(offering), data).status_code == 403
    assert not OfferingReview.objects.filter(state="in_review").exists()
    assert not FindingReview.objects.exists()


def test_another_analyst_approves(client, analyst, offering):
    client.force_login(analyst)
    client.post(workflow_url(offering), {"action": "submit"})
    otp_verified_login(client, with_role(UserFactory(username="second"), "approver"))
    response = client.post(workflow_url(offering), {"action": "approve"})
    assert response.url == f"{detail_url(offering)}#workflow"
    assert messages_of(response)[-1] == "The offering is now approved."
    workflow = OfferingReview.objects.get()
    assert workflow.state == "approved" and workflow.approved_by.username == "second"


def test_a_step_out_of_order_is_refused_with_its_reason(analyst_client, offering):
    analyst_client.post(workflow_url(offering), {"action": "submit"}, **HTMX)
    htmx = analyst_client.post(workflow_url(offering), {"action": "submit"}, **HTMX)
    assert htmx.status_code == 200
    assert '<p class="error" role="alert">cannot submit an offering that is in review</p>' in (
        htmx.content.decode()
    )
    plain = analyst_client.post(workflow_url(offering), {"action": "launch"})
    assert messages_of(plain) == [
        "Workflow not changed: action: Select a valid choice. launch is not one of the "
        "available choices."
    ]
    assert OfferingReview.objects.get().state == "in_review"


def test_the_methodology_shows_how_the_weights_were_earned_with_charts(analyst_client):
    content = analyst_client.get(METHODOLOGY).content.decode()
    validation = methodology()["validation"]

    section = content.split('id="validation"')[1].split('id="backtest"')[0]
    assert f"AUC <strong>{validation['auc_out_of_time']}</strong>" in section
    assert 'aria-labelledby="validation-roc-title"' in section
    assert 'aria-labelledby="validation-reliability-title"' in section
    assert 'aria-labelledby="points-forest-title"' in section
    for rule in methodology()["rules"]:
        if rule["fitted"] and rule["fit"].get("flag_points_ci"):
            assert f'<a href="#{rule["code"]}"><code>{rule["code"]}</code></a>' in section
