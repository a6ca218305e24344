"""The visibility model: reviews, notes, manual findings, change history and workflow actors
are the team's (analyst role and above); anonymous visitors and viewers see the automatic
findings and the score. Soft-deleted offerings leave every reader."""

from __future__ import annotations

import pytest

from diligence.rescoring import assessments_refresh
from diligence.services import finding_review_create, offering_review_transition
from offerings.models import Offering
from offerings.services import offering_delete, offering_update
from tests.conftest import with_role
from tests.factories import UserFactory, full_offering

pytestmark = pytest.mark.django_db

SECRET_NOTE = "Confidential: the founders brother told us."  # pragma: allowlist secret


@pytest.fixture
def reviewed(analyst, django_capture_on_commit_callbacks):
    offering = full_offering(kyc="not_required")
    offering_update(offering=offering, record={"description": "Edited."}, user=analyst)
    assessments_refresh()
    with django_capture_on_commit_callbacks(execute=True):
        finding_review_create(
            offering=offering,
            author=analyst,
            rule_code="insider",
            verdict="manual",
            outcome="flag",
            title="Insider tip",
            severity="high",
            note=SECRET_NOTE,
        )
        finding_review_create(
            offering=offering,
            author=analyst,
            rule_code="kyc.absent",
            verdict="overturn",
            outcome="pass",
            note="Override note: KYC is done off-platform.",
        )
    offering_review_transition(offering=offering, user=analyst, action="submit")
    return offering


def _page(client, offering) -> str:
    response = client.get(f"/offerings/{offering.slug}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("persona", ["anonymous", "viewer"])
def test_outsiders_see_the_automatic_findings_only(client, settings, reviewed, persona):
    """Regression: anonymous visitors saw override notes, manual findings, analyst usernames,
    change history and workflow actors."""
    settings.OFFERWATCH_PUBLIC_BROWSING = True
    if persona == "viewer":
        client.force_login(with_role(UserFactory(username="reader"), "viewer"))
    page = _page(client, reviewed)
    for leak in (SECRET_NOTE, "Override note", "Insider tip", "analyst", "Change history"):
        assert leak not in page, leak
    assert 'id="workflow"' not in page
    assert "kyc.absent" in page  # the automatic finding is still there


def test_the_team_sees_notes_history_and_workflow(client, reviewed):
    teammate = with_role(UserFactory(username="teammate"), "analyst")
    client.force_login(teammate)
    page = _page(client, reviewed)
    assert SECRET_NOTE in page and "Change history" in page and "submitted by analyst" in page


def test_a_signed_in_user_without_a_role_cannot_browse(client, reviewed):
    client.force_login(UserFactory(username="nobody"))
    assert client.get("/offerings/").status_code == 403


def test_a_soft_deleted_offering_leaves_lists_pages_exports_and_the_api(client, reviewed, analyst):
    admin = with_role(UserFactory(username="boss"), "admin")
    offering_delete(offering=reviewed, user=admin)
    client.force_login(analyst)
    assert client.get(f"/offerings/{reviewed.slug}/").status_code == 404
    assert reviewed.slug not in client.get("/offerings/").content.decode()
    export = b"".join(client.get("/offerings/export.csv").streaming_content).decode()
    assert reviewed.name not in export
    assert Offering.all_objects.get(pk=reviewed.pk).finding_reviews.count() == 2


def test_only_the_admin_role_may_delete(reviewed, editor):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied, match=r"offerings\.delete_offering"):
        offering_delete(offering=reviewed, user=editor)
    assert Offering.objects.filter(pk=reviewed.pk).exists()


def test_a_viewer_cannot_watch_but_an_analyst_can(client, viewer, analyst):
    offering = full_offering()
    url = f"/offerings/{offering.slug}/watch/"
    client.force_login(viewer)
    assert client.post(url).status_code == 403
    assert not viewer.watches.exists()
    client.force_login(analyst)
    assert client.post(url).status_code == 302
    assert analyst.watches.filter(offering=offering).exists()
