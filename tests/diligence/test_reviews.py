import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from diligence.models import Assessment, FindingReview, OfferingReview
from diligence.rescoring import assessments_refresh
from diligence.scoring import rule_points
from diligence.services import finding_review_create, offering_review_transition
from offerings.services import offering_update
from tests.conftest import with_role
from tests.factories import UserFactory, full_offering

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
NOTE = "team verified by video call with all four founders"


@pytest.fixture
def offering():
    offering = full_offering(kyc="not_required")
    assessments_refresh(today=TODAY)
    return offering


def _finding(offering, code):
    return Assessment.objects.current().get(offering=offering).finding(code)


def _review(offering, analyst, capture, **kwargs):
    with capture(execute=True):
        return finding_review_create(offering=offering, author=analyst, note=NOTE, **kwargs)


def test_an_overturned_finding_shows_both_outcomes_and_gives_back_its_points(
    offering, analyst, django_capture_on_commit_callbacks
):
    before = Assessment.objects.current().get(offering=offering)
    review = _review(
        offering,
        analyst,
        django_capture_on_commit_callbacks,
        rule_code="kyc.absent",
        verdict="overturn",
        outcome="pass",
    )
    finding = _finding(offering, "kyc.absent")
    assert (finding.automatic_outcome, finding.outcome) == ("flag", "pass")
    assert finding.overridden and finding.review_id == review.pk
    assert review.author == analyst and review.evidence_seen == "KYC: not required of buyers"
    after = Assessment.objects.current().get(offering=offering)
    assert after.score == before.score + rule_points("kyc.absent", finding.weight)[0]


def test_a_confirmation_keeps_the_outcome_and_records_who_confirmed(
    offering, analyst, django_capture_on_commit_callbacks
):
    review = _review(
        offering,
        analyst,
        django_capture_on_commit_callbacks,
        rule_code="team.anonymous",
        verdict="confirm",
    )
    finding = _finding(offering, "team.anonymous")
    assert finding.outcome == finding.automatic_outcome == "pass"
    assert finding.review_id == review.pk and not finding.overridden


def test_an_override_survives_rescoring_until_its_facts_change(
    offering, analyst, django_capture_on_commit_callbacks
):
    review = _review(
        offering,
        analyst,
        django_capture_on_commit_callbacks,
        rule_code="kyc.absent",
        verdict="overturn",
        outcome="pass",
    )
    assessments_refresh(today=TODAY, force=True)
    assert _finding(offering, "kyc.absent").outcome == "pass"

    with django_capture_on_commit_callbacks(execute=True):
        offering_update(offering=offering, record={"kyc": "unspecified"})

    review.refresh_from_db()
    assert review.state == FindingReview.State.NEEDS_REREVIEW
    finding = _finding(offering, "kyc.absent")
    assert (finding.outcome, finding.review_id) == ("flag", None)


def test_a_manual_finding_adds_a_flag_with_its_severity(
    offering, analyst, django_capture_on_commit_callbacks
):
    _review(
        offering,
        analyst,
        django_capture_on_commit_callbacks,
        rule_code="founder-fraud",
        verdict="manual",
        outcome="flag",
        title="Founder convicted of fraud in 2019",
        severity="critical",
    )
    assessment = Assessment.objects.current().get(offering=offering)
    manual = assessment.finding("manual.founder-fraud")
    assert (manual.outcome, manual.weight, manual.evidence) == (
        "flag",
        10,
        "Founder convicted of fraud in 2019",
    )
    assert assessment.grade in "DF" and assessment.risk == "critical"


def test_a_newer_review_supersedes_the_older_one(
    offering, analyst, django_capture_on_commit_callbacks
):
    first = _review(
        offering,
        analyst,
        django_capture_on_commit_callbacks,
        rule_code="kyc.absent",
        verdict="overturn",
        outcome="pass",
    )
    _review(
        offering,
        analyst,
        django_capture_on_commit_callbacks,
        rule_code="kyc.absent",
        verdict="confirm",
    )
    first.refresh_from_db()
    assert first.state == FindingReview.State.SUPERSEDED


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        (
            {"rule_code": "kyc.absent", "verdict": "overturn", "outcome": "pass", "note": "ok"},
            "note",
        ),
        ({"rule_code": "no.such.rule", "verdict": "confirm", "note": NOTE}, "rule_code"),
        (
            {"rule_code": "kyc.absent", "verdict": "overturn", "outcome": "flag", "note": NOTE},
            "outcome",
        ),
        (
            {
                "rule_code": "x",
                "verdict": "manual",
                "outcome": "flag",
                "severity": "dire",
                "title": "t",
                "note": NOTE,
            },
            "severity",
        ),
        ({"rule_code": "kyc.absent", "verdict": "ignore", "note": NOTE}, "verdict"),
    ],
    ids=["short-note", "unknown-rule", "overturn-to-same", "bad-severity", "bad-verdict"],
)
def test_bad_reviews_are_refused_naming_the_field(offering, analyst, kwargs, field):
    with pytest.raises(ValidationError) as error:
        finding_review_create(offering=offering, author=analyst, **kwargs)
    assert field in error.value.message_dict
    assert not FindingReview.objects.exists()


def test_the_workflow_moves_from_draft_to_approved_with_a_second_person(offering, analyst):
    approver = with_role(UserFactory(username="approver"), "approver")
    offering_review_transition(offering=offering, user=analyst, action="submit")
    workflow = offering_review_transition(offering=offering, user=approver, action="approve")
    assert workflow.state == OfferingReview.State.APPROVED
    assert workflow.approved_by == approver


def test_the_submitter_cannot_approve_their_own_submission(offering, analyst):
    offering_review_transition(offering=offering, user=analyst, action="submit")
    with pytest.raises(PermissionDenied):
        offering_review_transition(offering=offering, user=analyst, action="approve")
    assert OfferingReview.objects.get(offering=offering).state == OfferingReview.State.IN_REVIEW


def test_the_last_editor_cannot_approve(offering, analyst):
    editor = with_role(UserFactory(username="editor"), "editor", "approver")
    offering_update(offering=offering, record={"description": "Edited."}, user=editor)
    offering_review_transition(offering=offering, user=analyst, action="submit")
    with pytest.raises(PermissionDenied):
        offering_review_transition(offering=offering, user=editor, action="approve")


def test_approving_a_draft_is_refused(offering, approver):
    with pytest.raises(ValidationError) as error:
        offering_review_transition(offering=offering, user=approver, action="approve")
    assert "cannot approve an offering that is draft" in str(error.value)
