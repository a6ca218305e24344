"""The offering admin with the diligence app's assessment: score, grade, risk and coverage in
the list, the needs-review preset, and the score on the form after a save."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from diligence.models import Assessment, FindingReview, OfferingReview
from diligence.rescoring import assessments_refresh
from offerings.models import Offering
from tests.factories import OfferingFactory, full_offering
from tests.offerings.test_admin import CHANGELIST, CHANGELIST_QUERIES, offering_form, page_slugs

pytestmark = pytest.mark.django_db


def change_url(offering: Offering) -> str:
    return reverse("admin:offerings_offering_change", args=[offering.pk])


def test_the_changelist_shows_score_grade_risk_and_coverage(staff_client):
    offering = full_offering(claims="Guaranteed 40% monthly returns for every holder!")
    OfferingFactory(slug="unscored")
    assessments_refresh(offerings=Offering.objects.filter(pk=offering.pk))
    response = staff_client.get(CHANGELIST)
    row = next(o for o in response.context["cl"].result_list if o.pk == offering.pk)
    content = response.content.decode()
    assert f'<td class="field-score_shown">{row.score}</td>' in content
    assert f'<td class="field-grade_shown">{row.grade}</td>' in content
    assert '<span class="risk risk-critical">critical</span>' in content
    assert f'<td class="field-coverage_shown">{row.coverage:.0%}</td>' in content


def test_the_needs_review_preset_finds_each_reason(staff, staff_client):
    flagged = full_offering(slug="flagged", claims="Guaranteed returns, risk-free!")
    assessments_refresh(offerings=Offering.objects.filter(pk=flagged.pk))
    quiet = [OfferingFactory(slug=slug) for slug in ("reopened", "rereview", "fine")]
    OfferingReview.objects.create(
        offering=quiet[0], state="draft", reopened_reason="facts changed after submission"
    )
    FindingReview.objects.create(
        offering=quiet[1],
        rule_code="team.anonymous",
        verdict="confirm",
        outcome="flag",
        note="checked the team page by hand",
        author=staff,
        state=FindingReview.State.NEEDS_REREVIEW,
    )
    OfferingReview.objects.create(offering=quiet[2], state="draft")
    expected = {
        "any": ["flagged", "reopened", "rereview"],
        "unreviewed_flags": ["flagged"],
        "stale_approval": ["reopened"],
        "rereview": ["rereview"],
    }
    for value, slugs in expected.items():
        response = staff_client.get(CHANGELIST, {"needs_review": value})
        assert page_slugs(response) == slugs, value


def test_an_approval_of_an_assessment_no_longer_current_needs_review(staff_client):
    offering = full_offering(slug="approved")
    assessments_refresh(offerings=Offering.objects.filter(pk=offering.pk))
    current = offering.assessments.get(is_current=True)
    review = OfferingReview.objects.create(
        offering=offering, state="approved", approved_assessment_id=current.pk
    )
    assert page_slugs(staff_client.get(CHANGELIST, {"needs_review": "stale_approval"})) == []
    review.approved_assessment_id = current.pk + 1000
    review.save()
    stale = staff_client.get(CHANGELIST, {"needs_review": "stale_approval"})
    assert page_slugs(stale) == ["approved"]


@pytest.mark.parametrize("query", ["needs_review=any", "risk=high", "checked_none=audits"])
def test_the_changelist_filters_keep_the_pinned_query_count(
    staff_client, query, django_assert_num_queries
):
    OfferingFactory.create_batch(5)
    assessments_refresh()
    staff_client.get(f"{CHANGELIST}?{query}")
    # Filters are conditions of the one page query: no query of their own (the count may be 0).
    with django_assert_num_queries(CHANGELIST_QUERIES):
        assert staff_client.get(f"{CHANGELIST}?{query}").status_code == 200


def _save(client, capture, offering: Offering, **fields):
    data = offering_form(name=offering.name, slug=offering.slug, checked_none=[], **fields)
    for prefix in ["team", "allocations", "rounds", "audits", "documents"]:
        data[f"{prefix}-TOTAL_FORMS"] = "0"
    with capture(execute=True):
        response = client.post(change_url(offering), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return response


def test_after_a_save_the_form_shows_the_new_score_and_the_flags_that_changed(
    staff_client, django_capture_on_commit_callbacks
):
    offering = full_offering()
    assessments_refresh(offerings=Offering.objects.filter(pk=offering.pk))
    response = _save(staff_client, django_capture_on_commit_callbacks, offering, hard_cap="0")
    assert response.url.startswith(change_url(offering) + "?saved=")
    content = staff_client.get(response.url).content.decode()
    current = offering.assessments.get(is_current=True)
    assert f"<strong>Score {current.score}</strong>" in content
    assert f"grade <strong>{current.grade}</strong>" in content
    assert "now flagged: <code>caps.no_hard_cap</code>" in content
    assert "hx-get" not in content.split('id="score-panel"')[1].split(">")[0]  # no polling


def test_with_a_worker_the_form_polls_until_the_rescore_lands(
    staff_client, django_capture_on_commit_callbacks, monkeypatch, django_assert_num_queries
):
    from diligence.tasks import rescore_offerings

    offering = full_offering()
    assessments_refresh(offerings=Offering.objects.filter(pk=offering.pk))
    queued = []
    monkeypatch.setitem(rescore_offerings.app.conf, "task_always_eager", False)
    monkeypatch.setattr(rescore_offerings, "apply_async", lambda *a, **k: queued.append(a))
    response = _save(staff_client, django_capture_on_commit_callbacks, offering, hard_cap="0")
    assert queued, "the rescore went to the queue"
    content = staff_client.get(response.url).content.decode()
    assert "Rescoring after your save" in content
    poll = re.search(r'id="score-panel"[^>]*hx-get="([^"]+)"', content)
    assert poll, "the panel polls"
    poll_url = poll.group(1).replace("&amp;", "&")
    assert "now flagged" not in staff_client.get(poll_url).content.decode()
    assessments_refresh(offerings=Offering.objects.filter(pk=offering.pk))  # the worker runs
    # Session and OTP device, and the two latest assessments (the user is kept between
    # requests: accounts.auth_cache).
    with django_assert_num_queries(3):
        fragment = staff_client.get(poll_url).content.decode()
    assert "now flagged: <code>caps.no_hard_cap</code>" in fragment
    assert "hx-get" not in fragment


def test_a_save_that_changes_no_finding_says_the_score_stays(
    staff_client, django_capture_on_commit_callbacks
):
    offering = full_offering()
    _save(staff_client, django_capture_on_commit_callbacks, offering, description="Payments.")
    response = _save(
        staff_client,
        django_capture_on_commit_callbacks,
        offering,
        description="Payments for small shops.",
    )
    content = staff_client.get(response.url).content.decode()
    assert "Your save changed no finding: the score stays as it was." in content


def test_an_assessment_page_lists_its_findings_and_the_list_reads_none(staff_client):
    offering = full_offering(claims="Guaranteed 40% monthly returns for every holder!")
    assessments_refresh(offerings=Offering.objects.filter(pk=offering.pk))
    assessment = Assessment.objects.get(offering=offering)
    page = staff_client.get(reverse("admin:diligence_assessment_change", args=[assessment.pk]))
    content = page.content.decode()
    assert content.count("<tr><td>") == len(assessment.findings)
    guaranteed = assessment.finding("claims.guaranteed_returns")
    assert guaranteed.outcome == "flag"
    assert "<tr><td>claims.guaranteed_returns</td><td>flag</td><td>flag</td>" in content
    listed = staff_client.get(reverse("admin:diligence_assessment_changelist"))
    assert listed.status_code == 200
    assert "findings_json" in listed.context["cl"].queryset.query.deferred_loading[0]
