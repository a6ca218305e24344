"""Assessments, findings, the checklist, and finding reviews (each key sees its owner's own)."""

from __future__ import annotations

import pytest

from diligence.models import Assessment, FindingReview
from diligence.rescoring import assessments_refresh
from diligence.rules import RULES
from offerings.models import Offering
from tests.api.test_access import problem
from tests.conftest import with_role
from tests.diligence.test_queueing_broker_down import kyc_outcome, swept
from tests.factories import UserFactory, full_offering

pytestmark = pytest.mark.django_db

REVIEWER = ("diligence:read", "diligence:write")
ALL_READ = ("offerings:read", "diligence:read")


@pytest.fixture
def scored():
    offering = full_offering(slug="scored")
    assessments_refresh()
    assessments_refresh(force=True)
    return offering


def test_the_history_pages_through_every_assessment_newest_first(read_client, scored):
    first = read_client.get("/api/v1/offerings/scored/assessments/", {"page_size": 1})
    assert first.status_code == 200
    body = first.json()
    assert len(body["results"]) == 1 and body["results"][0]["is_current"] is True
    second = read_client.get(body["next"].removeprefix("http://testserver"))
    older = second.json()["results"]
    assert [a["id"] for a in older] == [
        Assessment.objects.filter(offering=scored, is_current=False).get().pk
    ]
    assert second.json()["next"] is None


def test_the_latest_assessment_carries_every_finding_with_evidence_and_rationale(
    read_client, scored
):
    response = read_client.get("/api/v1/offerings/scored/assessments/latest/")
    assert response.status_code == 200
    body = response.json()
    assert body["offering"] == "scored" and body["is_current"] is True
    codes = {finding["rule_code"] for finding in body["findings"]}
    assert codes == set(RULES)
    finding = body["findings"][0]
    rule = RULES[finding["rule_code"]]
    assert finding["rationale"] == rule.rationale and finding["title"] == rule.title
    assert finding["evidence"] and finding["severity"] == rule.severity.value


def test_the_latest_assessment_is_404_before_any_scoring(read_client):
    full_offering(slug="fresh")
    assert problem(read_client.get("/api/v1/offerings/fresh/assessments/latest/"), 404)


def test_the_checklist_lists_every_rule(read_client):
    body = read_client.get("/api/v1/checklist/").json()
    assert {rule["code"] for rule in body["rules"]} == set(RULES)
    assert body["version"]


def test_assessments_need_the_diligence_read_scope(api_key, api_client, scored):
    client = api_client(api_key(scopes=("offerings:read",)))
    response = client.get("/api/v1/offerings/scored/assessments/")
    assert "diligence:read" in problem(response, 403)["detail"]


def test_a_review_overrides_a_finding_with_a_note(api_key, api_client, scored):
    client = api_client(api_key(scopes=REVIEWER))
    rule_code = next(iter(RULES))
    response = client.post(
        "/api/v1/offerings/scored/reviews/",
        {"rule_code": rule_code, "verdict": "confirm", "note": "Checked the filing myself."},
    )
    assert response.status_code == 201, response.content
    assert response.json()["rule_code"] == rule_code
    review = FindingReview.objects.get()
    assert review.note == "Checked the filing myself."


def test_a_review_with_a_short_note_is_refused_naming_the_field(api_key, api_client, scored):
    client = api_client(api_key(scopes=REVIEWER))
    response = client.post(
        "/api/v1/offerings/scored/reviews/",
        {"rule_code": next(iter(RULES)), "verdict": "confirm", "note": "ok"},
    )
    errors = problem(response, 400)["errors"]
    assert errors[0]["field"] == "note" and "at least 10" in errors[0]["rule"]
    bad = client.post("/api/v1/offerings/scored/reviews/", {"verdict": "maybe", "note": "x" * 20})
    fields = {error["field"] for error in problem(bad, 400)["errors"]}
    assert fields == {"rule_code", "verdict"}


def test_reviews_are_visible_to_the_team_and_refused_to_a_viewer(api_key, api_client, scored):
    mine = api_client(api_key(scopes=REVIEWER))
    teammate = api_client(
        api_key(user=with_role(UserFactory(username="other"), "analyst"), scopes=REVIEWER)
    )
    viewer = api_client(
        api_key(user=with_role(UserFactory(username="reader"), "viewer"), scopes=ALL_READ)
    )
    rules = list(RULES)
    mine.post(
        "/api/v1/offerings/scored/reviews/",
        {"rule_code": rules[0], "verdict": "confirm", "note": "My own check of it."},
    )
    teammate.post(
        "/api/v1/offerings/scored/reviews/",
        {"rule_code": rules[1], "verdict": "confirm", "note": "Their own check of it."},
    )
    for client in (mine, teammate):
        seen = client.get("/api/v1/offerings/scored/reviews/").json()["results"]
        assert sorted(review["rule_code"] for review in seen) == sorted(rules[:2])
    refused = problem(viewer.get("/api/v1/offerings/scored/reviews/"), 403)
    assert "visible to the team" in refused["detail"]


def test_latest_assessment_hides_notes_and_manual_findings_from_a_viewer(
    api_key, api_client, scored
):
    """Regression: the latest assessment showed other users' manual-finding notes."""
    analyst = api_client(api_key(scopes=REVIEWER))
    created = analyst.post(
        "/api/v1/offerings/scored/reviews/",
        {
            "verdict": "manual",
            "rule_code": "insider-tip",
            "title": "Insider tip",
            "severity": "high",
            "outcome": "flag",
            "note": "Confidential: the founder's brother told us.",
        },
    )
    assert created.status_code == 201, created.content
    assessments_refresh(offerings=Offering.objects.filter(pk=scored.pk))
    viewer = api_client(
        api_key(user=with_role(UserFactory(username="reader"), "viewer"), scopes=ALL_READ)
    )
    seen = viewer.get("/api/v1/offerings/scored/assessments/latest/")
    assert seen.status_code == 200
    assert b"Confidential" not in seen.content and b"manual." not in seen.content
    team = analyst.get("/api/v1/offerings/scored/assessments/latest/")
    assert b"Confidential" in team.content


def test_venues_list_and_detail(read_client):
    from tests.factories import SecurityIncidentFactory, VenueFactory

    venue = VenueFactory(name="Alpha", slug="alpha")
    SecurityIncidentFactory(venue=venue)
    VenueFactory(name="Beta", slug="beta")
    first = read_client.get("/api/v1/venues/", {"page_size": 1}).json()
    assert [v["slug"] for v in first["results"]] == ["alpha"]
    assert first["results"][0]["incidents"][0]["kind"] == "breach"
    second = read_client.get(first["next"].removeprefix("http://testserver")).json()
    assert [v["slug"] for v in second["results"]] == ["beta"]
    detail = read_client.get("/api/v1/venues/beta/").json()
    assert detail["name"] == "Beta" and detail["incidents"] == []
    assert problem(read_client.get("/api/v1/venues/nope/"), 404)


def test_a_review_posted_while_the_broker_is_down_returns_201_and_is_swept(
    api_key, api_client, broker_down, django_capture_on_commit_callbacks
):
    offering = full_offering(slug="reviewed", kyc="not_required")
    assessments_refresh()
    client = api_client(api_key(scopes=REVIEWER))
    note = "team verified by video call with all four founders"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/offerings/reviewed/reviews/",
            {"rule_code": "kyc.absent", "verdict": "overturn", "outcome": "pass", "note": note},
        )
    assert response.status_code == 201, response.content[:300]
    assert FindingReview.objects.filter(offering=offering, rule_code="kyc.absent").exists()
    swept(offering)
    assert kyc_outcome(offering) == "pass"
