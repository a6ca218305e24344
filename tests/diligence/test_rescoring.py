import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diligence.models import Assessment
from diligence.rescoring import assessments_refresh
from diligence.rules import RULES
from offerings.services import offering_update
from tests.factories import OfferingFactory, full_offering

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def test_rescoring_writes_one_current_assessment_with_a_finding_per_rule():
    offering = full_offering()
    report = assessments_refresh(today=TODAY)
    assert (report.offerings, report.assessed) == (1, 1)
    assessment = Assessment.objects.get(offering=offering)
    assert assessment.is_current
    assert assessment.methodology_version
    assert 0 <= assessment.score <= 100
    codes = {finding.rule_code for finding in assessment.findings}
    assert codes == set(RULES)


def test_rescoring_an_unchanged_offering_creates_no_new_assessment():
    full_offering()
    assessments_refresh(today=TODAY)
    report = assessments_refresh(today=TODAY)
    assert (report.assessed, report.unchanged) == (0, 1)
    assert Assessment.objects.count() == 1


def test_all_forces_a_new_assessment_and_keeps_the_old_one_as_history():
    offering = full_offering()
    assessments_refresh(today=TODAY)
    assessments_refresh(today=TODAY, force=True)
    assert offering.assessments.count() == 2
    assert offering.assessments.filter(is_current=True).count() == 1


def test_the_passing_of_time_alone_can_change_an_assessment():
    OfferingFactory(start_date=dt.date(2026, 7, 1), end_date=dt.date(2026, 7, 30))
    assessments_refresh(today=TODAY)
    report = assessments_refresh(today=dt.date(2026, 8, 15))  # the sale has now ended
    assert report.assessed == 1


def test_a_change_to_an_offering_is_rescored_after_commit(django_capture_on_commit_callbacks):
    offering = full_offering()
    assessments_refresh(today=TODAY)
    before = Assessment.objects.current().get(offering=offering)
    with django_capture_on_commit_callbacks(execute=True):
        offering_update(offering=offering, record={"hard_cap": "0"})
    after = Assessment.objects.current().get(offering=offering)
    assert after.pk != before.pk
    assert "caps.no_hard_cap" in after.flags
    assert "caps.no_hard_cap" not in before.flags
    changed = after.finding("caps.no_hard_cap")
    assert (changed.outcome, changed.evidence) == ("flag", "hard cap: the sale states none")


def test_rescoring_queries_do_not_grow_with_the_number_of_offerings():
    for _ in range(3):
        full_offering()
    with CaptureQueriesContext(connection) as few:
        assessments_refresh(today=TODAY, force=True)
    for _ in range(12):
        full_offering()
    with CaptureQueriesContext(connection) as many:
        assessments_refresh(today=TODAY, force=True)
    # The findings are part of their assessment: one COPY (PostgreSQL) or INSERT (SQLite).
    assert len(many) == len(few)
    current = Assessment.objects.current()
    assert sum(len(assessment.findings) for assessment in current) == 15 * len(RULES)


def test_the_rescore_command_reports_what_it_did():
    full_offering()
    call_command("rescore", "--no-progress")
    out = []
    call_command("rescore", "--no-progress", stdout=_Collect(out))
    assert "1 offerings: 0 new assessments, 1 unchanged" in "".join(out)


def test_an_offering_without_any_data_scores_with_low_coverage():
    offering = OfferingFactory(
        legal_entity="",
        country="",
        website="",
        whitepaper_url="",
        whitepaper_pages=None,
        soft_cap=None,
        hard_cap=None,
        refund_policy="",
        kyc="",
        description="",
        start_date=None,
        end_date=None,
        token_price_usd=None,
        total_supply=None,
        tokens_for_sale=None,
        token_type="",
    )
    assessments_refresh(today=TODAY)
    assessment = Assessment.objects.get(offering=offering)
    assert assessment.coverage < Decimal("0.2")
    assert assessment.score is not None


class _Collect:
    def __init__(self, sink):
        self.sink = sink

    def write(self, text):
        self.sink.append(text)

    def flush(self):
        pass


def test_a_watcher_is_notified_when_a_rescore_raises_a_new_flag(analyst):
    from analyst.models import Notification, Watch

    offering = full_offering()
    Watch.objects.create(user=analyst, offering=offering)
    assessments_refresh(today=TODAY)
    Notification.objects.all().delete()
    offering.hard_cap = Decimal(0)
    offering.save()
    assessments_refresh(today=TODAY)
    messages = list(Notification.objects.filter(user=analyst).values_list("kind", "message"))
    assert any(kind == "new_flag" and "caps.no_hard_cap" in msg for kind, msg in messages)
