"""The as-of-sale-end assessment: frozen once, from the facts as of the sale's end, never
rewritten, never current and never part of the score history."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from analyst.models import Notification, Watch
from diligence.models import Assessment, FindingReview
from diligence.rescoring import assessments_refresh
from diligence.rules import RULES
from diligence.sale_end import sale_end_assessments_freeze
from offerings.models import Offering
from tests.factories import OfferingFactory, SecurityIncidentFactory, UserFactory, VenueFactory
from tests.offerings.market.factories import (
    ListingFactory,
    MarketSnapshotFactory,
    MarketSummaryFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 4)


def frozen(offering: Offering) -> Assessment:
    return Assessment.objects.sale_end().get(offering=offering)


def findings(assessment: Assessment) -> dict[str, tuple[str, str]]:
    return {f.rule_code: (f.outcome, f.evidence) for f in assessment.findings}


def snapshot(assessment: Assessment) -> tuple:
    assessment.refresh_from_db()
    return (
        assessment.pk,
        assessment.created_at,
        assessment.score,
        assessment.grade,
        assessment.risk,
        assessment.coverage,
        assessment.flags,
        assessment.digest,
        assessment.as_of,
        findings(assessment),
    )


def test_a_sale_that_ended_gets_one_frozen_assessment_as_of_the_day_after_its_end():
    offering = OfferingFactory(end_date=dt.date(2026, 2, 10))

    report = sale_end_assessments_freeze(today=TODAY)

    assessment = frozen(offering)
    assert report.frozen == 1
    assert assessment.as_of == dt.date(2026, 2, 11)
    assert assessment.kind == Assessment.Kind.SALE_END
    assert assessment.is_current is False
    assert assessment.score is not None
    assert set(findings(assessment)) == set(RULES)


def test_freezing_again_changes_nothing():
    offering = OfferingFactory()
    sale_end_assessments_freeze(today=TODAY)
    before = snapshot(frozen(offering))

    again = sale_end_assessments_freeze(today=TODAY + dt.timedelta(days=30))

    assert again.frozen == 0
    assert Assessment.objects.sale_end().count() == 1
    assert snapshot(frozen(offering)) == before


def test_sales_not_over_cancelled_or_without_an_end_date_are_not_frozen():
    OfferingFactory(slug="running", end_date=TODAY)
    OfferingFactory(slug="cancelled", declared_status="cancelled")
    OfferingFactory(slug="no-end", end_date=None)
    ended = OfferingFactory(slug="ended", end_date=TODAY - dt.timedelta(days=1))

    assert sale_end_assessments_freeze(today=TODAY).frozen == 1
    assert list(Assessment.objects.sale_end().values_list("offering", flat=True)) == [ended.pk]


def test_a_backfill_years_later_judges_the_facts_as_of_the_sale_end_without_market_data():
    venue = VenueFactory()
    offering = OfferingFactory(
        kind="ieo",
        venue=venue,
        start_date=dt.date(2019, 6, 1),
        end_date=dt.date(2019, 6, 30),
        raised_usd=Decimal(100),  # far below the soft cap, without a refund
        refund_policy="none",
    )
    MarketSummaryFactory(offering=offering, listed=False, delisted=True)
    SecurityIncidentFactory(venue=venue, occurred_on=dt.date(2025, 5, 1))  # after the sale
    assessments_refresh(today=TODAY)
    current = findings(Assessment.objects.current().get(offering=offering))

    sale_end_assessments_freeze(today=TODAY)

    then = findings(frozen(offering))
    # Today's assessment sees the market and the later breach ...
    assert current["market.delisted"][0] == "flag"
    assert current["venue.security_incidents"][0] == "flag"
    # ... the frozen one sees neither, as on 2019-07-01.
    assert then["market.delisted"] == ("not_applicable", "listing data: not available")
    assert then["market.not_listed"] == ("not_applicable", "sale ended 1 days ago")
    assert then["venue.security_incidents"][0] == "pass"
    # The sale is over on its as-of day, so rules about the finished sale apply.
    assert then["caps.missed_soft_cap"][0] == "flag"


def test_the_frozen_assessment_never_changes_after_market_data_arrives_and_a_rescore():
    offering = OfferingFactory(end_date=dt.date(2026, 2, 10))
    assessments_refresh(today=TODAY)
    sale_end_assessments_freeze(today=TODAY)
    before = snapshot(frozen(offering))

    # Later market facts: the token was listed, then delisted everywhere, far below its price.
    MarketSummaryFactory(offering=offering, listed=False, delisted=True, price_usd=Decimal("0.01"))
    ListingFactory(offering=offering, status="delisted")
    MarketSnapshotFactory(offering=offering, price_usd=Decimal("0.01"))
    report = assessments_refresh(today=TODAY, force=True)
    sale_end_assessments_freeze(today=TODAY + dt.timedelta(days=400))

    assert report.assessed == 1
    current = Assessment.objects.current().get(offering=offering)
    assert "market.delisted" in current.flags  # the market data reached today's score
    assert snapshot(frozen(offering)) == before
    assert "market.delisted" not in frozen(offering).flags


def test_the_frozen_assessment_is_never_current_nor_history_nor_the_offering_s_copy():
    offering = OfferingFactory(hard_cap=None)
    sale_end_assessments_freeze(today=TODAY)
    assert Offering.objects.get(pk=offering.pk).current_score is None  # frozen is not copied

    assessments_refresh(today=TODAY)

    current = Assessment.objects.current().get(offering=offering)
    assert Offering.objects.get(pk=offering.pk).current_score == current.score
    assert list(offering.assessments.rolling()) == [current]
    with pytest.raises(IntegrityError), transaction.atomic():
        Assessment.objects.sale_end().filter(offering=offering).update(is_current=True)


def test_freezing_notifies_no_watcher():
    offering = OfferingFactory()
    Watch.objects.create(user=UserFactory(), offering=offering)
    assessments_refresh(today=TODAY)
    notified = Notification.objects.count()

    sale_end_assessments_freeze(today=TODAY)

    assert Notification.objects.count() == notified


def test_only_reviews_made_before_the_as_of_day_apply_to_the_frozen_assessment(analyst):
    old = OfferingFactory(slug="old", end_date=dt.date(2026, 2, 10), hard_cap=Decimal(0))
    assessments_refresh(today=TODAY)
    finding = Assessment.objects.current().get(offering=old).finding("caps.no_hard_cap")
    review = FindingReview.objects.create(
        offering=old,
        rule_code="caps.no_hard_cap",
        verdict="overturn",
        outcome="pass",
        note="hard cap found in the terms",
        outcome_seen=finding.outcome,
        evidence_seen=finding.evidence,
        author=analyst,
    )
    assert review.created_at.date() > dt.date(2026, 2, 11)  # made after the sale ended

    sale_end_assessments_freeze(today=TODAY)

    assert findings(frozen(old))["caps.no_hard_cap"][0] == "flag"


def test_the_command_freezes_and_reports():
    OfferingFactory()
    out = io.StringIO()

    call_command("freeze_sale_end_assessments", "--no-progress", stdout=out)

    assert "1 as-of-sale-end assessments frozen" in out.getvalue()
    assert Assessment.objects.sale_end().count() == 1


def test_a_frozen_chunk_takes_a_fixed_number_of_queries(django_assert_num_queries):
    for _ in range(2):  # two offerings' findings fit one insert even on SQLite (999 variables)
        OfferingFactory()
    # The candidates, their reviews, 17 fact queries (contract facts, "checked, none" records,
    # unlock events, 3 of public records and 2 of the copied-whitepaper check included) and the
    # facts' empty next page; in a transaction (2 statements on SQLite's savepoints), those
    # frozen meanwhile, the assessments with their findings; then the empty next page of
    # candidates (-1 since the findings are part of their assessment).
    with django_assert_num_queries(24):
        assert sale_end_assessments_freeze(today=TODAY, chunk=10).frozen == 2
