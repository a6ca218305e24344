import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diligence.facts import facts_for
from offerings.models import Offering
from tests.factories import (
    AuditFactory,
    DocumentFactory,
    OfferingFactory,
    SecurityIncidentFactory,
    SocialLinkFactory,
    VenueFactory,
    full_offering,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)


def _count_queries(**kwargs) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as queries:
        facts = list(facts_for(Offering.objects.all(), today=TODAY, **kwargs))
    return len(queries), facts


def _offerings(n: int) -> None:
    venue = VenueFactory()
    SecurityIncidentFactory(venue=venue)
    for _ in range(n):
        offering = full_offering(kind="ieo", venue=venue)
        DocumentFactory(offering=offering, text="Roadmap: Q1 2027 mainnet.")


def test_facts_take_a_fixed_number_of_queries_whatever_the_number_of_offerings():
    _offerings(3)
    few, _ = _count_queries()
    _offerings(12)
    many, facts = _count_queries()
    assert len(facts) == 15
    assert many == few


def test_each_chunk_costs_the_same_fixed_number_of_queries():
    _offerings(6)
    one_chunk, _ = _count_queries(chunk=10)
    three_chunks, _ = _count_queries(chunk=2)
    # per chunk: offerings+venue, 6 kinds of parts, "checked, none" records, whitepaper
    # texts, market summaries, contract checks (diligence.contract_facts), unlock events,
    # public records (diligence.record_facts: lists imported, record matches, filing checks;
    # sanctioned addresses only once a sanctions list is imported), the copied-whitepaper check
    # (signatures, matches); plus the final empty read
    assert one_chunk == 18
    assert (three_chunks - 1) == 3 * (one_chunk - 1)


def test_facts_carry_what_the_rules_need():
    venue = VenueFactory(name="Harbor", reputation_tier="tier3")
    SecurityIncidentFactory(venue=venue, occurred_on=dt.date(2025, 3, 1), kind="breach")
    offering = full_offering(kind="ieo", venue=venue, end_date=dt.date(2026, 2, 10))
    AuditFactory(offering=offering)
    SocialLinkFactory(offering=offering, network="telegram", url="https://t.example/p")
    DocumentFactory(offering=offering, text="older", kind="whitepaper")

    [facts] = list(facts_for(Offering.objects.filter(pk=offering.pk), today=TODAY))

    assert facts.offering_id == offering.pk
    assert facts.status == "ended"
    assert [m.named for m in facts.team] == [True, False]
    assert {a.bucket for a in facts.allocations} == {"team", "public_sale"}
    assert facts.rounds[0].discount_percent == Decimal("20")
    assert facts.audits == 2
    assert facts.socials == {"twitter", "telegram"}
    assert facts.venue.name == "Harbor"
    assert facts.venue.incidents[0].kind == "breach"
    assert facts.whitepaper_text == "older"


def test_a_declared_status_wins_over_the_dates():
    offering = OfferingFactory(declared_status="cancelled")
    [facts] = list(facts_for(Offering.objects.filter(pk=offering.pk), today=TODAY))
    assert facts.status == "cancelled"


def test_facts_do_not_query_while_rules_read_them():
    _offerings(2)
    facts = list(facts_for(today=TODAY))
    with CaptureQueriesContext(connection) as queries:
        for fact in facts:
            _ = (fact.team, fact.allocations, fact.venue.incidents, fact.socials)
    assert len(queries) == 0


def test_facts_carry_the_market_summary_and_none_without_one():
    from offerings.models import MarketSummary

    listed = OfferingFactory()
    MarketSummary.objects.create(
        offering=listed,
        listed=True,
        delisted=False,
        price_usd=Decimal("0.05"),
        peak_30d_usd=Decimal("0.4"),
        low_after_peak_usd=Decimal("0.05"),
        market_cap_usd=Decimal("1000000"),
        volume_24h_usd=Decimal("900"),
    )
    unseen = OfferingFactory()

    facts = {f.offering_id: f for f in facts_for(today=TODAY)}

    market = facts[listed.pk].market
    assert (market.listed, market.delisted, market.price_usd) == (True, False, Decimal("0.05"))
    assert (market.peak_30d_usd, market.low_after_peak_usd) == (Decimal("0.4"), Decimal("0.05"))
    assert (market.market_cap_usd, market.volume_24h_usd) == (Decimal("1000000"), Decimal("900"))
    assert facts[unseen.pk].market is None
