from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory

from offerings.models import (
    Audit,
    Document,
    Offering,
    SaleRound,
    SecurityIncident,
    SocialLink,
    TeamMember,
    TokenAllocation,
    Venue,
)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"analyst{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class VenueFactory(DjangoModelFactory):
    class Meta:
        model = Venue

    name = factory.Sequence(lambda n: f"Venue {n}")
    slug = factory.Sequence(lambda n: f"venue-{n}")
    kind = Venue.Kind.CEX
    country = "CH"
    licence = "VASP registration"
    licensed = True
    kyc_aml_enforced = True
    reputation_tier = Venue.Tier.ESTABLISHED


class SecurityIncidentFactory(DjangoModelFactory):
    class Meta:
        model = SecurityIncident

    venue = factory.SubFactory(VenueFactory)
    occurred_on = dt.date(2025, 1, 10)
    kind = SecurityIncident.Kind.BREACH
    description = "Hot wallet drained."


class OfferingFactory(DjangoModelFactory):
    class Meta:
        model = Offering

    name = factory.Sequence(lambda n: f"Project {n}")
    slug = factory.Sequence(lambda n: f"project-{n}")
    symbol = factory.Sequence(lambda n: f"PRJ{n}")
    kind = Offering.Kind.ICO
    token_type = Offering.TokenType.UTILITY
    chain = "ethereum"
    token_standard = "ERC-20"
    website = factory.LazyAttribute(lambda o: f"https://{o.slug}.example")
    whitepaper_url = factory.LazyAttribute(lambda o: f"https://{o.slug}.example/wp.pdf")
    whitepaper_pages = 24
    country = "CH"
    legal_entity = factory.LazyAttribute(lambda o: f"{o.name} AG")
    description = factory.Faker("sentence")
    start_date = dt.date(2026, 1, 10)
    end_date = dt.date(2026, 2, 10)
    cap_currency = "USD"
    soft_cap = Decimal("1000000")
    hard_cap = Decimal("5000000")
    token_price_usd = Decimal("0.10")
    total_supply = Decimal("100000000")
    tokens_for_sale = Decimal("40000000")
    refund_policy = Offering.RefundPolicy.FULL
    kyc = Offering.Kyc.REQUIRED

    class Params:
        on_exchange = factory.Trait(kind=Offering.Kind.IEO, venue=factory.SubFactory(VenueFactory))


class TeamMemberFactory(DjangoModelFactory):
    class Meta:
        model = TeamMember

    offering = factory.SubFactory(OfferingFactory)
    name = factory.Faker("name")
    role = "CTO"
    experienced = True


class TokenAllocationFactory(DjangoModelFactory):
    class Meta:
        model = TokenAllocation

    offering = factory.SubFactory(OfferingFactory)
    bucket = TokenAllocation.Bucket.TEAM
    percent = Decimal("15")
    vesting_months = 24
    cliff_months = 6


class SaleRoundFactory(DjangoModelFactory):
    class Meta:
        model = SaleRound

    offering = factory.SubFactory(OfferingFactory)
    kind = SaleRound.Kind.PRESALE
    price_usd = Decimal("0.08")
    discount_percent = Decimal("20")


class AuditFactory(DjangoModelFactory):
    class Meta:
        model = Audit

    offering = factory.SubFactory(OfferingFactory)
    auditor = "Bastion Security"
    url = "https://audits.example/report"
    date = dt.date(2025, 12, 1)


class SocialLinkFactory(DjangoModelFactory):
    class Meta:
        model = SocialLink

    offering = factory.SubFactory(OfferingFactory)
    network = SocialLink.Network.TWITTER
    url = "https://x.example/project"


class DocumentFactory(DjangoModelFactory):
    class Meta:
        model = Document

    offering = factory.SubFactory(OfferingFactory)
    kind = Document.Kind.WHITEPAPER
    url = "https://project.example/wp.pdf"


def full_offering(**kwargs) -> Offering:
    """An offering with every kind of part, for round trips and admin pages."""
    offering = OfferingFactory(**kwargs)
    TeamMemberFactory(offering=offering, position=0)
    TeamMemberFactory(offering=offering, position=1, name="", anonymous=True, experienced=None)
    TokenAllocationFactory(
        offering=offering,
        tge_percent=Decimal("5"),
        unlock_frequency="quarterly",
        vesting_start=dt.date(2026, 3, 1),
        schedule_source="whitepaper",
        schedule_source_url=f"https://{offering.slug}.example/wp.pdf#vesting",
    )
    TokenAllocationFactory(offering=offering, bucket="public_sale", percent=Decimal("40"))
    SaleRoundFactory(offering=offering)
    AuditFactory(offering=offering)
    SocialLinkFactory(offering=offering)
    return offering
