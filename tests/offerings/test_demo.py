from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from offerings.models import (
    Audit,
    Offering,
    SaleRound,
    SecurityIncident,
    SocialLink,
    TeamMember,
    TokenAllocation,
    Venue,
)
from offerings.status import Status
from tests.conftest import otp_verified_login

pytestmark = pytest.mark.django_db

RECORDED = [
    Offering,
    Venue,
    SecurityIncident,
    TeamMember,
    TokenAllocation,
    SaleRound,
    Audit,
    SocialLink,
]
ADMIN_LINE = re.compile(r"admin user: admin / (\S+)")


def load_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> dict[str, tuple[set[int], int]]:
    """Every row id and the number of history rows, per recorded model."""
    return {
        model.__name__: (set(model.objects.values_list("pk", flat=True)), model.history.count())
        for model in RECORDED
    }


def test_the_demo_has_about_sixty_offerings_of_every_kind_and_status():
    load_demo()
    assert 50 <= Offering.objects.count() <= 70
    assert set(Offering.objects.values_list("kind", flat=True)) == set(Offering.Kind.values)
    statuses = set(Offering.objects.with_status().values_list("current_status", flat=True))
    assert statuses == set(Status.values)
    for kind in Offering.Kind.values:
        by_kind = Offering.objects.filter(kind=kind).with_status()
        assert len(set(by_kind.values_list("current_status", flat=True))) >= 3, kind


def test_the_demo_has_several_venues_and_every_exchange_sale_names_one():
    load_demo()
    assert Venue.objects.count() >= 4
    assert set(Venue.objects.values_list("kind", flat=True)) == set(Venue.Kind.values)
    assert SecurityIncident.objects.exists()
    assert not Offering.objects.filter(kind__in=Offering.VENUE_KINDS, venue=None).exists()
    used = Venue.objects.filter(offerings__isnull=False).distinct().count()
    assert used >= 3


def test_every_demo_offering_has_a_team_rounds_and_allocations():
    load_demo()
    for offering in Offering.objects.prefetch_related("team", "rounds", "allocations"):
        assert offering.team.all(), offering
        assert offering.rounds.all(), offering
        assert offering.allocations.all(), offering
    assert TeamMember.objects.filter(anonymous=True).exists()
    assert Audit.objects.exists()
    assert SocialLink.objects.exists()


def test_every_demo_row_obeys_the_validation_rules():
    load_demo()
    for model in [Venue, SecurityIncident, Offering, TeamMember, TokenAllocation, SaleRound]:
        for instance in model.objects.all():
            instance.full_clean()


def test_the_demo_shows_both_stated_and_unknown_caps():
    load_demo()
    assert Offering.objects.filter(hard_cap=0).exists()
    assert Offering.objects.filter(soft_cap=None).exists()
    assert Offering.objects.filter(soft_cap__gt=0, hard_cap__gt=0).exists()


def test_loading_the_demo_twice_writes_nothing_the_second_time():
    first = load_demo()
    assert re.search(r"\b[5-7]\d offerings created", first)
    before = snapshot()
    second = load_demo()
    assert snapshot() == before
    assert "0 offerings created, 0 updated" in second


def test_loading_the_demo_restores_an_edited_offering_and_venue():
    load_demo()
    offering = Offering.objects.order_by("pk").first()
    original_name = offering.name
    Offering.objects.filter(pk=offering.pk).update(name="Edited")
    venue = Venue.objects.get(name="Northgate Exchange")
    Venue.objects.filter(pk=venue.pk).update(licensed=None)
    output = load_demo()
    assert "1 updated" in output
    assert Offering.objects.get(pk=offering.pk).name == original_name
    assert Venue.objects.get(pk=venue.pk).licensed is True


def test_the_admin_option_refuses_to_run_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        load_demo("--admin")
    assert not get_user_model().objects.filter(username="admin").exists()
    assert not Offering.objects.exists(), "refused before writing anything"


def signs_in(username: str, password: str) -> bool:
    """The password checks out through the sign-in's backends (django-axes needs a request)."""
    request = RequestFactory().post("/accounts/login/")
    return authenticate(request, username=username, password=password) is not None


def test_the_admin_option_prints_a_password_that_works(settings, client):
    settings.DEBUG = True
    output = load_demo("--admin")
    (password,) = ADMIN_LINE.findall(output)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser
    assert signs_in("admin", password)
    otp_verified_login(client, admin)  # staff pass MFA as well
    assert client.get("/admin/offerings/offering/").status_code == 200


def test_running_the_admin_option_again_replaces_the_password(settings, client):
    settings.DEBUG = True
    (first,) = ADMIN_LINE.findall(load_demo("--admin"))
    (second,) = ADMIN_LINE.findall(load_demo("--admin"))
    assert first != second
    assert get_user_model().objects.filter(username="admin").count() == 1
    assert not signs_in("admin", first)
    assert signs_in("admin", second)


def test_the_demo_market_lists_most_ended_sales_and_fires_every_kind_of_market_flag(
    django_capture_on_commit_callbacks,
):
    from diligence.models import Assessment
    from offerings.models import Listing, MarketSnapshot, MarketSummary

    with django_capture_on_commit_callbacks(execute=True):  # the rescore runs on commit
        assert "market data for" in load_demo()
    flagged = {
        code
        for flags in Assessment.objects.current().values_list("flags", flat=True)
        for code in flags
        if code.startswith("market.")
    }
    assert {
        "market.below_sale_price",
        "market.pump_and_dump",
        "market.not_listed",
        "market.thin_liquidity",
    } <= flagged
    assert Listing.objects.filter(venue__name="Northgate Exchange").exists()
    listed = MarketSummary.objects.filter(listed=True).select_related("offering")
    assert listed.count() > MarketSummary.objects.filter(listed=False).count() > 0
    assert all(s.price_usd and s.ath_usd >= s.price_usd for s in listed)
    assert MarketSnapshot.objects.filter(offering__coingecko_id__isnull=True).count() == 0


def test_loading_the_demo_market_twice_adds_no_snapshot_or_listing():
    from offerings.models import Listing, MarketSnapshot

    load_demo()
    counts = MarketSnapshot.objects.count(), Listing.objects.count()
    load_demo()
    assert (MarketSnapshot.objects.count(), Listing.objects.count()) == counts
