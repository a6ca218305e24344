from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from offerings.models import Offering, SaleRound, TeamMember, TokenAllocation, Venue
from offerings.models.parts import validate_allocation_total
from offerings.services import offering_create, venue_upsert
from offerings.status import Status, derive_status
from tests.factories import (
    OfferingFactory,
    SaleRoundFactory,
    TeamMemberFactory,
    TokenAllocationFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

EVM_ADDRESS = "0xdAC17F958D2ee523a2206206994597C13D831ec7"
SOLANA_ADDRESS = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"  # pragma: allowlist secret
# Valid base58 of the right length, but not starting with the T of a Tron address.
NOT_TRON_BASE58 = "XR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"  # pragma: allowlist secret
TRON_ADDRESS = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"  # pragma: allowlist secret


def clean_errors(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.message_dict


def create_errors(**record) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        offering_create(record={"name": "Bad Sale", "kind": "ico", **record})
    assert not Offering.objects.filter(name="Bad Sale").exists(), "a rejected record wrote"
    return caught.value.message_dict


def test_the_factory_builds_a_valid_offering():
    OfferingFactory.build().full_clean()


def test_offering_create_writes_the_offering_its_parts_and_one_history_row():
    user = UserFactory()
    offering = offering_create(
        record={
            "name": "Harbor Pay",
            "symbol": "HPAY",
            "kind": "ieo",
            "venue": "Northgate Exchange",
            "soft_cap": "1000",
            "hard_cap": "5000",
            "team": [{"name": "Ada Byrne", "role": "CEO"}],
            "allocations": [{"bucket": "team", "percent": "15", "vesting_months": 24}],
        },
        user=user,
    )
    assert offering.slug == "harbor-pay"
    assert offering.venue.name == "Northgate Exchange"
    assert offering.soft_cap == Decimal(1000)
    assert [member.name for member in offering.team.all()] == ["Ada Byrne"]
    assert offering.allocations.get().percent == Decimal(15)
    history = offering.history.get()
    assert history.history_user == user
    assert history.history_change_reason == "created"


def test_soft_cap_above_hard_cap_names_both_values():
    offering = OfferingFactory.build(soft_cap=Decimal("5000"), hard_cap=Decimal("1000.00"))
    (message,) = clean_errors(offering)["soft_cap"]
    assert message.startswith("soft_cap (5,000) is above hard_cap (1,000)")


def test_offering_create_refuses_soft_cap_above_hard_cap():
    (message,) = create_errors(soft_cap="5000", hard_cap="1000")["soft_cap"]
    assert "soft_cap (5,000) is above hard_cap (1,000)" in message


@pytest.mark.parametrize(
    ("soft_cap", "hard_cap"),
    [("5000", "0"), ("0", "1000"), ("0", "0"), ("5000", None), (None, "1000"), ("1000", "1000")],
)
def test_a_zero_or_unknown_cap_never_conflicts_with_the_other(soft_cap, hard_cap):
    def amount(text: str | None) -> Decimal | None:
        return None if text is None else Decimal(text)

    OfferingFactory.build(soft_cap=amount(soft_cap), hard_cap=amount(hard_cap)).full_clean()
    created = offering_create(
        record={"name": "Capless", "kind": "ico", "soft_cap": soft_cap, "hard_cap": hard_cap}
    )
    assert (created.soft_cap, created.hard_cap) == (amount(soft_cap), amount(hard_cap))
    assert created.has_hard_cap is (None if hard_cap is None else hard_cap != "0")


def test_end_before_start_names_both_dates():
    offering = OfferingFactory.build(start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 1, 31))
    assert clean_errors(offering)["end_date"] == [
        "end_date (2026-01-31) is before start_date (2026-02-01)"
    ]
    errors = create_errors(start_date="2026-02-01", end_date="2026-01-31")
    assert "end_date (2026-01-31) is before start_date (2026-02-01)" in errors["end_date"][0]


def test_a_one_day_sale_is_valid():
    OfferingFactory.build(start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 2, 1)).full_clean()


def test_tokens_for_sale_above_total_supply_is_refused():
    offering = OfferingFactory.build(total_supply=Decimal(1000), tokens_for_sale=Decimal(2000))
    assert clean_errors(offering)["tokens_for_sale"] == [
        "tokens_for_sale (2,000) is above total_supply (1,000)"
    ]
    errors = create_errors(total_supply="1000", tokens_for_sale="2000")
    assert "tokens_for_sale (2,000) is above total_supply (1,000)" in errors["tokens_for_sale"][0]
    OfferingFactory.build(total_supply=Decimal(1000), tokens_for_sale=Decimal(1000)).full_clean()


@pytest.mark.parametrize("kind", ["ieo", "ido"])
def test_an_exchange_or_dex_offering_without_a_venue_is_valid_with_its_venue_unknown(kind):
    offering = OfferingFactory.build(kind=kind, venue=None)
    offering.full_clean()  # unknown, not invalid: no intake refuses it
    assert f"an {kind.upper()} is run on a venue that is not recorded" in (
        offering.venue_unknown_warning
    )
    assert offering_create(record={"name": "Unnamed venue", "kind": kind}).venue is None
    assert offering_create(record={"name": "Listed", "kind": kind, "venue": "Lumen"}).venue
    assert OfferingFactory.build(kind=kind, venue=VenueFactory()).venue_unknown_warning is None
    assert OfferingFactory.build(kind="ico", venue=None).venue_unknown_warning is None


@pytest.mark.parametrize("kind", ["ico", "sto"])
def test_an_ico_or_sto_may_be_self_hosted(kind):
    OfferingFactory.build(kind=kind, venue=None).full_clean()


@pytest.mark.parametrize(
    ("chain", "token_standard", "address", "rule"),
    [
        ("ethereum", "ERC-20", "0x1234", "not an EVM contract address"),
        ("ethereum", "ERC-20", "0x" + "g" * 40, "not an EVM contract address"),
        ("bsc", "", EVM_ADDRESS[2:], "not an EVM contract address"),
        ("", "BEP-20", EVM_ADDRESS + "00", "not an EVM contract address"),
        ("unknown-l2", "", "0x" + "1" * 39, "not an EVM contract address"),
        ("solana", "SPL", SOLANA_ADDRESS[:-1] + "0", "not a Solana address"),
        ("solana", "SPL", "abc", "not a Solana address"),
        ("solana", "SPL", EVM_ADDRESS, "not a Solana address"),
        ("tron", "TRC-20", NOT_TRON_BASE58, "not a Tron address"),
        ("tron", "TRC-20", TRON_ADDRESS[:-1], "not a Tron address"),
        ("tron", "TRC-20", EVM_ADDRESS, "not a Tron address"),
        ("cardano", "", "short", "not a contract address"),
        ("", "", "has spaces in it, which no chain allows", "not a contract address"),
    ],
)
def test_a_malformed_contract_address_is_refused_with_its_rule(
    chain, token_standard, address, rule
):
    offering = OfferingFactory.build(
        chain=chain, token_standard=token_standard, contract_address=address
    )
    (message,) = clean_errors(offering)["contract_address"]
    assert rule in message
    assert repr(address) in message
    errors = create_errors(chain=chain, token_standard=token_standard, contract_address=address)
    assert rule in errors["contract_address"][0]


@pytest.mark.parametrize(
    ("chain", "token_standard", "address"),
    [
        ("ethereum", "ERC-20", EVM_ADDRESS),
        ("polygon", "", EVM_ADDRESS.lower()),
        ("", "", EVM_ADDRESS),
        ("solana", "SPL", SOLANA_ADDRESS),
        ("tron", "TRC-20", TRON_ADDRESS),
        ("cardano", "", "asset1rjklcrnsdzqp65wjgrg55sy9723kw09mlgvlc3"),  # pragma: allowlist secret
    ],
)
def test_a_well_formed_contract_address_is_accepted(chain, token_standard, address):
    OfferingFactory.build(
        chain=chain, token_standard=token_standard, contract_address=address
    ).full_clean()


def test_an_unknown_issuer_country_is_refused():
    (message,) = clean_errors(OfferingFactory.build(country="XX"))["country"]
    assert message == "'XX' is not an ISO 3166-1 alpha-2 country code (e.g. CH, SG, US)"
    assert "'ZZ' is not an ISO 3166-1" in create_errors(country="ZZ")["country"][0]
    assert "country" in clean_errors(OfferingFactory.build(country="ch"))
    assert offering_create(record={"name": "Lower", "kind": "ico", "country": "ch"}).country == "CH"


def test_unknown_restricted_countries_are_named_and_known_ones_are_not():
    offering = OfferingFactory.build(restricted_countries=["US", "QQ", "KP", "ZZ"])
    (message,) = clean_errors(offering)["restricted_countries"]
    assert "'QQ'" in message
    assert "'ZZ'" in message
    assert "'US'" not in message
    errors = create_errors(restricted_countries=["US", "QQ"])
    assert "'QQ'" in errors["restricted_countries"][0]
    OfferingFactory.build(restricted_countries=["US", "KP", "IR"]).full_clean()


def test_an_emptied_country_list_means_none_and_emptied_backers_not_recorded():
    offering = OfferingFactory.build(restricted_countries=None, backers=None)
    offering.full_clean()
    assert (offering.restricted_countries, offering.backers) == ([], None)


@pytest.mark.parametrize("backers", ["Acme Ventures", {"lead": "Acme"}, ["Acme", 3]])
def test_backers_must_be_a_list_of_names(backers):
    (message,) = clean_errors(OfferingFactory.build(backers=backers))["backers"]
    assert message == f'backers ({backers!r}) must be a list of names, e.g. ["Acme Ventures"]'


def test_a_venue_jurisdiction_must_be_a_country_code():
    assert "country" in clean_errors(VenueFactory.build(country="Switzerland"))


@pytest.mark.parametrize("percent", ["-0.01", "100.0001", "150"])
def test_an_allocation_percent_outside_0_to_100_is_refused(percent):
    allocation = TokenAllocationFactory.build(offering=OfferingFactory(), percent=Decimal(percent))
    assert "percent" in clean_errors(allocation)


@pytest.mark.parametrize("percent", ["0", "100"])
def test_an_allocation_percent_of_exactly_0_or_100_is_accepted(percent):
    TokenAllocationFactory.build(offering=OfferingFactory(), percent=Decimal(percent)).full_clean()


def test_a_round_discount_above_100_percent_is_refused():
    sale_round = SaleRoundFactory.build(offering=OfferingFactory(), discount_percent=Decimal(101))
    assert "discount_percent" in clean_errors(sale_round)


def test_offering_create_refuses_a_percent_outside_0_to_100():
    errors = create_errors(allocations=[{"bucket": "team", "percent": "120"}])
    assert "allocations[0].percent" in errors
    errors = create_errors(rounds=[{"kind": "seed", "discount_percent": "-5"}])
    assert "rounds[0].discount_percent" in errors


def test_allocations_summing_past_100_are_refused_with_the_total():
    with pytest.raises(ValidationError) as caught:
        validate_allocation_total([Decimal("60"), Decimal("40.5")])
    assert caught.value.messages == ["allocations sum to 100.5%, above 100%"]
    validate_allocation_total([Decimal("60"), Decimal("40")])
    validate_allocation_total([])


def test_offering_create_refuses_allocations_summing_past_100():
    errors = create_errors(
        allocations=[
            {"bucket": "team", "percent": "55"},
            {"bucket": "public_sale", "percent": "50"},
        ]
    )
    assert errors["allocations"] == ["allocations sum to 105%, above 100% (got Decimal('105'))"]


def test_a_cliff_longer_than_the_vesting_is_refused():
    allocation = TokenAllocationFactory.build(
        offering=OfferingFactory(), vesting_months=6, cliff_months=12
    )
    assert clean_errors(allocation)["cliff_months"] == [
        "cliff_months (12) is longer than vesting_months (6)"
    ]
    errors = create_errors(
        allocations=[{"bucket": "team", "percent": "10", "vesting_months": 6, "cliff_months": 12}]
    )
    assert "allocations[0].cliff_months" in errors


@pytest.mark.parametrize(("vesting", "cliff"), [(12, 12), (None, 12), (12, None), (0, 0)])
def test_a_cliff_within_the_vesting_or_unknown_is_accepted(vesting, cliff):
    TokenAllocationFactory.build(
        offering=OfferingFactory(), vesting_months=vesting, cliff_months=cliff
    ).full_clean()


def test_a_round_ending_before_it_starts_is_refused():
    sale_round = SaleRoundFactory.build(
        offering=OfferingFactory(), start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 2, 1)
    )
    assert "end_date" in clean_errors(sale_round)


@pytest.mark.parametrize("name", ["", "   "])
def test_a_named_team_member_needs_a_name(name):
    member = TeamMemberFactory.build(offering=OfferingFactory(), name=name, anonymous=False)
    (message,) = clean_errors(member)["name"]
    assert "not anonymous needs a name" in message
    assert "team[0].name" in create_errors(team=[{"name": name, "role": "CTO"}])


def test_an_anonymous_team_member_needs_no_name():
    TeamMemberFactory.build(offering=OfferingFactory(), name="", anonymous=True).full_clean()


def test_the_parts_name_what_they_are():
    offering = OfferingFactory.build(name="Helix", symbol="HLX")
    assert str(offering) == "Helix (HLX)"
    assert str(TeamMember(name="", anonymous=True)) == "(anonymous)"
    assert str(TokenAllocation(bucket="team", percent=Decimal("15.5000"))) == "Team: 15.5%"
    assert str(SaleRound(kind="seed")) == "Seed round"


def days(count: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=count)


STATUS_CASES = {
    "starts-tomorrow": (1, 30, "", Status.UPCOMING),
    "starts-later-no-end": (10, None, "", Status.UPCOMING),
    "started-today": (0, 14, "", Status.ACTIVE),
    "ends-today": (-14, 0, "", Status.ACTIVE),
    "started-no-end": (-3, None, "", Status.ACTIVE),
    "ended-yesterday": (-30, -1, "", Status.ENDED),
    "ended-no-start": (None, -1, "", Status.ENDED),
    "no-dates": (None, None, "", None),
    "end-ahead-no-start": (None, 5, "", None),
    "cancelled-while-running": (-3, 10, Status.CANCELLED, Status.CANCELLED),
    "cancelled-before-start": (5, 10, Status.CANCELLED, Status.CANCELLED),
    "declared-ended-early": (-3, 10, Status.ENDED, Status.ENDED),
}


@pytest.mark.parametrize(
    ("start", "end", "declared", "expected"), STATUS_CASES.values(), ids=STATUS_CASES.keys()
)
def test_python_and_database_agree_on_the_status(start, end, declared, expected):
    today = timezone.localdate()
    offering = OfferingFactory(
        start_date=None if start is None else days(start),
        end_date=None if end is None else days(end),
        declared_status=declared,
    )
    OfferingFactory(start_date=days(400), end_date=days(430))  # a bystander, always upcoming
    if not declared:
        assert derive_status(offering.start_date, offering.end_date, today) == expected
    assert offering.status == expected
    assert Offering.objects.with_status(today).get(pk=offering.pk).current_status == expected
    for status in Status.values:
        matching = Offering.objects.in_status(status, today).filter(pk=offering.pk).exists()
        assert matching is (status == expected)


def test_every_status_case_at_once_matches_in_the_database():
    for start, end, declared, _ in STATUS_CASES.values():
        OfferingFactory(
            start_date=None if start is None else days(start),
            end_date=None if end is None else days(end),
            declared_status=declared,
        )
    expected = {offering.pk: offering.status for offering in Offering.objects.all()}
    annotated = dict(Offering.objects.with_status().values_list("pk", "current_status"))
    assert annotated == expected
    for status in Status.values:
        in_status = set(Offering.objects.in_status(status).values_list("pk", flat=True))
        assert in_status == {pk for pk, value in expected.items() if value == status}


def test_status_is_derived_relative_to_the_day_asked_about():
    offering = OfferingFactory(start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 3, 31))
    for today, expected in [
        (dt.date(2026, 2, 28), Status.UPCOMING),
        (dt.date(2026, 3, 15), Status.ACTIVE),
        (dt.date(2026, 4, 1), Status.ENDED),
    ]:
        assert derive_status(offering.start_date, offering.end_date, today) == expected
        assert list(Offering.objects.in_status(expected, today)) == [offering]


def test_a_venue_gets_a_slug_from_its_name():
    venue = Venue.objects.create(name="Blue Harbor Exchange")
    assert venue.slug == "blue-harbor-exchange"
    assert Venue.objects.create(name="Other Place", slug="kept").slug == "kept"
    assert venue_upsert(name="Zenith Pad", kind="launchpad").slug == "zenith-pad"
