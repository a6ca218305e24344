"""Offering.revision rises with every change to what the offering's record shows, whichever
way it is written (offerings.revisions: triggers), and with nothing else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from offerings import revisions
from offerings.interchange import PREFETCH
from offerings.models import (
    Absence,
    ContractRisk,
    Listing,
    MarketSummary,
    Offering,
    SaleOutcome,
    WhitepaperMatch,
    WhitepaperSignature,
)
from tests.factories import (
    AuditFactory,
    DocumentFactory,
    OfferingFactory,
    SaleRoundFactory,
    SocialLinkFactory,
    TeamMemberFactory,
    TokenAllocationFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)


def revision(offering: Offering) -> int:
    return Offering.all_objects.values_list("revision", flat=True).get(pk=offering.pk)


def test_every_relation_of_the_record_has_its_triggers():
    installed = revisions.installed_triggers(connection)
    tables = {source.table for source in revisions.record_sources()}
    assert len(tables) == len(PREFETCH)
    for table in tables:
        assert {f"{revisions.PREFIX}_{table}_{event}" for event in ("ins", "upd", "del")} <= (
            installed
        ), table
    assert revisions.installed_for(connection)


def test_a_change_of_a_record_column_raises_the_revision_and_a_same_value_save_does_not():
    offering = OfferingFactory()
    before = revision(offering)
    offering.name = "Renamed"
    offering.save()
    assert revision(offering) == before + 1
    offering.refresh_from_db()
    offering.save()  # nothing the record shows changed (updated_at did)
    assert revision(offering) == before + 1
    Offering.objects.filter(pk=offering.pk).update(hard_cap=Decimal("123"))  # bypasses save()
    assert revision(offering) == before + 2


def test_the_assessment_copies_leave_the_revision_alone():
    offering = OfferingFactory()
    before = revision(offering)
    Offering.objects.filter(pk=offering.pk).update(
        current_score=Decimal("55.5"), current_risk_rank=2
    )
    assert revision(offering) == before


def test_saving_an_older_copy_never_lowers_the_revision():
    offering = OfferingFactory()
    stale = Offering.objects.get(pk=offering.pk)
    TeamMemberFactory(offering=offering)  # raises it behind the stale copy's back
    raised = revision(offering)
    assert raised > stale.revision
    stale.save()
    assert revision(offering) == raised
    stale.description = "Edited from the stale copy"
    stale.save()
    assert revision(offering) == raised + 1


PART_FACTORIES = [
    TeamMemberFactory,
    TokenAllocationFactory,
    SaleRoundFactory,
    AuditFactory,
    SocialLinkFactory,
]


@pytest.mark.parametrize("factory", PART_FACTORIES, ids=lambda f: f.__name__)
def test_a_part_raises_the_revision_when_added_changed_and_removed(factory):
    offering, other = OfferingFactory(), OfferingFactory()
    steps = [revision(offering)]
    part = factory(offering=offering)
    steps.append(revision(offering))
    type(part).objects.filter(pk=part.pk).update(offering=other)  # moved: both change
    steps.append(revision(offering))
    assert revision(other) > 0
    type(part).objects.filter(pk=part.pk).update(offering=offering)
    steps.append(revision(offering))
    type(part).objects.filter(pk=part.pk).delete()
    steps.append(revision(offering))
    assert steps == sorted(set(steps)), steps  # strictly rising at every step


def test_bulk_writes_raise_each_offering_once_per_statement():
    offerings = OfferingFactory.create_batch(3)
    before = {o.pk: revision(o) for o in offerings}
    Absence.objects.bulk_create(
        Absence(offering=o, part="team", checked_at=NOW, source="test")
        for o in offerings
        for _ in range(1)
    )
    after = {o.pk: revision(o) for o in offerings}
    assert all(after[pk] > before[pk] for pk in before)


def test_market_data_listings_outcomes_and_the_contract_check_raise_it():
    offering = OfferingFactory()
    venue = VenueFactory()
    seen = [revision(offering)]
    summary = MarketSummary.objects.create(offering=offering, price_usd=Decimal("1.5"))
    seen.append(revision(offering))
    MarketSummary.objects.filter(pk=summary.pk).update(price_usd=Decimal("0.2"))
    seen.append(revision(offering))
    Listing.objects.create(
        offering=offering, venue=venue, pair="ABC/USDT", first_seen=NOW, last_seen=NOW
    )
    seen.append(revision(offering))
    SaleOutcome.objects.create(
        offering=offering, kind=SaleOutcome.Kind.choices[0][0], derived=True, recorded_at=NOW
    )
    seen.append(revision(offering))
    ContractRisk.objects.create(
        offering=offering,
        chain_id=1,
        address="0x" + "ab" * 20,
        first_checked_at=NOW,
        checked_at=NOW,
        next_check_at=NOW,
    )
    seen.append(revision(offering))
    assert seen == sorted(set(seen)), seen


def test_a_venue_renamed_raises_the_offerings_it_shows_in():
    venue, elsewhere = VenueFactory(), VenueFactory()
    hosted = OfferingFactory(kind="ieo", venue=venue)
    listed = OfferingFactory()
    Listing.objects.create(
        offering=listed, venue=venue, pair="X/USDT", first_seen=NOW, last_seen=NOW
    )
    unrelated = OfferingFactory(kind="ieo", venue=elsewhere)
    before = {o.pk: revision(o) for o in (hosted, listed, unrelated)}
    venue.name = "Renamed Exchange"
    venue.save()
    assert revision(hosted) > before[hosted.pk]
    assert revision(listed) > before[listed.pk]
    assert revision(unrelated) == before[unrelated.pk]
    venue.save()  # same name
    assert revision(hosted) == before[hosted.pk] + 1


def test_the_whitepaper_index_and_a_copied_offering_renamed_raise_it():
    source, copier = OfferingFactory(), OfferingFactory()
    document = DocumentFactory(offering=copier)
    source_document = DocumentFactory(offering=source)
    seen = [revision(copier)]
    WhitepaperSignature.objects.create(
        offering=copier, document=document, minhash=b"\0" * 4, tokens=10, indexed_at=NOW
    )
    seen.append(revision(copier))
    WhitepaperMatch.objects.create(
        offering=copier,
        document=document,
        source_offering=source,
        source_document=source_document,
        share=0.5,
        passages=[],
        compared_at=NOW,
    )
    seen.append(revision(copier))
    source.name = "The Original, renamed"
    source.save()
    seen.append(revision(copier))
    assert seen == sorted(set(seen)), seen
    source.description = "Not shown in the copier's record"
    source.save()
    assert revision(copier) == seen[-1]


def test_install_is_idempotent():
    offering = OfferingFactory()
    revisions.install(connection)
    revisions.install(connection)
    before = revision(offering)
    TeamMemberFactory(offering=offering)
    assert revision(offering) == before + 1


def test_a_soft_delete_and_a_new_offering():
    offering = OfferingFactory()
    assert Offering.objects.get(pk=offering.pk).revision == 0
    Offering.objects.filter(pk=offering.pk).update(deleted_at=timezone.now())
    assert revision(offering) == 1
