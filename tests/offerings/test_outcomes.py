"""Sale outcomes: derived from constructed market data, recorded by analysts with a source."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from offerings.models import SaleOutcome
from offerings.outcomes import (
    MarketView,
    derived_outcomes,
    sale_outcome_record,
    sale_outcomes_derive,
)
from tests.conftest import with_role
from tests.factories import OfferingFactory, UserFactory
from tests.offerings.market.factories import (
    ListingFactory,
    MarketSnapshotFactory,
    MarketSummaryFactory,
)

END = dt.date(2024, 3, 1)
TODAY = dt.date(2026, 12, 4)
WINDOW = 365


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), dt.UTC)


def kinds(**market) -> list[str]:
    found = derived_outcomes(
        end_date=END,
        sale_price=Decimal("0.10"),
        market=MarketView(**market),
        today=TODAY,
        window_days=WINDOW,
    )
    return [outcome.kind for outcome in found]


# ---- derived_outcomes (pure) ----------------------------------------------------------------


def test_a_token_first_traded_within_the_window_is_listed():
    found = derived_outcomes(
        end_date=END,
        sale_price=None,
        market=MarketView(first_traded=at(dt.date(2024, 5, 1))),
        today=TODAY,
        window_days=WINDOW,
    )
    assert [(o.kind, o.occurred_on) for o in found] == [("listed", dt.date(2024, 5, 1))]
    assert found[0].evidence == "first traded 2024-05-01, 61 days after the sale"


def test_no_trade_seen_by_a_check_after_the_window_is_not_listed():
    assert kinds(checked_at=at(dt.date(2025, 6, 1))) == ["not_listed"]


def test_nothing_is_said_before_the_window_is_over_or_without_a_check_after_it():
    early = derived_outcomes(
        end_date=END,
        sale_price=None,
        market=MarketView(checked_at=at(dt.date(2024, 6, 1))),
        today=dt.date(2024, 6, 2),
        window_days=WINDOW,
    )
    assert early == []
    assert kinds(checked_at=at(dt.date(2024, 6, 1))) == []  # checked inside the window only
    assert kinds() == []  # no market data at all


def test_a_first_trade_after_the_window_counts_only_when_past_prices_were_loaded():
    late = {"first_traded": at(dt.date(2025, 8, 1)), "checked_at": at(dt.date(2025, 9, 1))}
    assert kinds(**late) == []  # we may only have started looking then
    assert kinds(**late, history_loaded=True) == ["not_listed"]


def test_delisted_means_every_pair_is_gone():
    listed = at(dt.date(2024, 4, 1))
    assert kinds(first_traded=listed, pairs=2, pairs_listed=0) == ["listed", "delisted"]
    assert kinds(first_traded=listed, pairs=2, pairs_listed=1) == ["listed"]


def test_below_sale_price_compares_the_price_one_year_on():
    listed = at(dt.date(2024, 4, 1))
    cheap = {"anniversary_price": Decimal("0.05"), "anniversary_at": at(dt.date(2025, 2, 28))}
    assert kinds(first_traded=listed, **cheap) == ["listed", "below_sale_price"]
    dear = {"anniversary_price": Decimal("0.20"), "anniversary_at": at(dt.date(2025, 2, 28))}
    assert kinds(first_traded=listed, **dear) == ["listed"]


# ---- sale_outcomes_derive (database) ----------------------------------------------------------


@pytest.mark.django_db
def test_outcomes_are_derived_from_constructed_market_data():
    listed = OfferingFactory(slug="listed", end_date=END, token_price_usd=Decimal("0.10"))
    MarketSummaryFactory(offering=listed, listed_at=at(dt.date(2024, 4, 1)))
    MarketSnapshotFactory(offering=listed, time=at(dt.date(2025, 2, 20)), price_usd=Decimal("0.04"))
    MarketSnapshotFactory(offering=listed, time=at(dt.date(2025, 6, 1)), price_usd=Decimal("0.50"))
    gone = OfferingFactory(slug="gone", end_date=END)
    MarketSummaryFactory(offering=gone, listed_at=None, listed=False)
    ListingFactory(
        offering=gone, first_seen=at(dt.date(2024, 3, 20)), last_seen=at(dt.date(2024, 9, 1))
    )
    gone.listings.update(status="delisted")
    quiet = OfferingFactory(slug="quiet", end_date=END)
    MarketSummaryFactory(offering=quiet, listed_at=None, listed=False)
    OfferingFactory(slug="unknown", end_date=END)  # no market data at all
    OfferingFactory(slug="running", end_date=TODAY)

    report = sale_outcomes_derive(today=TODAY)

    stored = {
        (o.offering.slug, o.kind): (o.occurred_on, o.evidence)
        for o in SaleOutcome.objects.select_related("offering")
    }
    assert stored == {
        ("listed", "listed"): (
            dt.date(2024, 4, 1),
            "first traded 2024-04-01, 31 days after the sale",
        ),
        ("listed", "below_sale_price"): (
            dt.date(2025, 3, 1),
            "price 0.04 USD on 2025-02-20 vs sale price 0.1 USD",
        ),
        ("gone", "listed"): (
            dt.date(2024, 3, 20),
            "first traded 2024-03-20, 19 days after the sale",
        ),
        ("gone", "delisted"): (
            dt.date(2024, 9, 1),
            "all 1 exchange pairs delisted; last traded 2024-09-01",
        ),
        ("quiet", "not_listed"): (
            dt.date(2025, 3, 1),
            "no trade seen within 365 days of the sale's end",
        ),
    }
    assert (report.offerings, report.created) == (4, 5)
    assert all(o.derived and o.recorded_by is None for o in SaleOutcome.objects.all())


@pytest.mark.django_db
def test_deriving_again_changes_nothing_and_follows_the_market_data():
    offering = OfferingFactory(end_date=END)
    MarketSummaryFactory(offering=offering, listed_at=at(dt.date(2024, 4, 1)))
    listing = ListingFactory(offering=offering, first_seen=at(dt.date(2024, 4, 1)))
    sale_outcome_record(
        offering=offering, kind="failed", source_url="https://news.example/x", user=None
    )
    sale_outcomes_derive(today=TODAY)
    first = list(SaleOutcome.objects.values_list("pk", "kind", "recorded_at"))

    again = sale_outcomes_derive(today=TODAY)

    assert (again.created, again.updated, again.removed) == (0, 0, 0)
    assert list(SaleOutcome.objects.values_list("pk", "kind", "recorded_at")) == first
    listing.status = "delisted"
    listing.save()
    later = sale_outcomes_derive(today=TODAY)
    assert later.created == 1
    assert set(SaleOutcome.objects.values_list("kind", flat=True)) == {
        "listed",
        "delisted",
        "failed",
    }


@pytest.mark.django_db
def test_the_derivation_reads_a_chunk_with_a_fixed_number_of_queries(django_assert_num_queries):
    for number in range(3):
        offering = OfferingFactory(end_date=END + dt.timedelta(days=number))
        MarketSummaryFactory(offering=offering, listed_at=at(dt.date(2024, 4, 1)))
        ListingFactory(offering=offering)
        MarketSnapshotFactory(offering=offering, time=at(dt.date(2025, 2, 25)))
    # Offerings with their summaries, pairs, anniversary prices; in a savepoint the stored
    # outcomes and one insert; then the empty next page.
    with django_assert_num_queries(8):
        sale_outcomes_derive(today=TODAY, chunk=10)


# ---- analysts' outcomes ---------------------------------------------------------------------


@pytest.mark.django_db
def test_an_analyst_outcome_needs_a_source_url_naming_the_field():
    offering = OfferingFactory()
    with pytest.raises(ValidationError) as error:
        sale_outcome_record(offering=offering, kind="exit_scam", source_url=" ", user=None)
    assert "source_url" in error.value.message_dict
    assert "source_url ('') is required" in error.value.message_dict["source_url"][0]
    assert not SaleOutcome.objects.exists()


@pytest.mark.django_db
def test_an_analyst_cannot_record_a_derived_kind_or_the_same_kind_twice():
    offering = OfferingFactory()
    with pytest.raises(ValidationError) as derived:
        sale_outcome_record(
            offering=offering, kind="listed", source_url="https://x.example", user=None
        )
    assert "derived from the market data" in derived.value.message_dict["kind"][0]
    sale_outcome_record(offering=offering, kind="failed", source_url="https://x.example", user=None)
    with pytest.raises(ValidationError) as twice:
        sale_outcome_record(
            offering=offering, kind="failed", source_url="https://y.example", user=None
        )
    assert "already recorded" in twice.value.message_dict["kind"][0]


@pytest.fixture
def recorder(db):
    return with_role(UserFactory(username="recorder"), "analyst")  # the role records outcomes


def outcome_url(offering) -> str:
    return reverse("offerings:outcome_add", args=[offering.slug])


POST = {"kind": "exit_scam", "source_url": "https://news.example/rug", "note": "team vanished"}


@pytest.mark.django_db
def test_visitors_are_sent_to_sign_in_and_record_nothing(client):
    offering = OfferingFactory()
    response = client.post(outcome_url(offering), POST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not SaleOutcome.objects.exists()


@pytest.mark.django_db
def test_it_requires_the_add_sale_outcome_permission(client, viewer):
    offering = OfferingFactory()
    client.force_login(viewer)
    assert client.post(outcome_url(offering), POST).status_code == 403
    assert not SaleOutcome.objects.exists()
    assert (
        b"Record an outcome"
        not in client.get(reverse("offerings:detail", args=[offering.slug])).content
    )


@pytest.mark.django_db
def test_a_recorder_records_an_outcome_with_who_and_when(client, recorder):
    offering = OfferingFactory()
    client.force_login(recorder)

    response = client.post(outcome_url(offering), POST)

    assert response.status_code == 302
    outcome = SaleOutcome.objects.get()
    assert (outcome.kind, outcome.derived, outcome.recorded_by) == ("exit_scam", False, recorder)
    assert (outcome.source_url, outcome.note) == (POST["source_url"], POST["note"])
    page = client.get(reverse("offerings:detail", args=[offering.slug])).content.decode()
    assert "Exit scam" in page and "team vanished" in page and "Record an outcome" in page


@pytest.mark.django_db
def test_htmx_gets_the_outcomes_region_back_with_the_error_naming_the_field(client, recorder):
    offering = OfferingFactory()
    client.force_login(recorder)

    bad = client.post(outcome_url(offering), {**POST, "source_url": ""}, HTTP_HX_REQUEST="true")
    good = client.post(outcome_url(offering), POST, HTTP_HX_REQUEST="true")

    assert bad.status_code == 200  # htmx swaps only 2xx answers
    assert "source_url is required" in bad.content.decode()
    assert good.status_code == 200
    body = good.content.decode()
    assert body.lstrip().startswith('<section id="outcomes"') and "Exit scam" in body
    assert SaleOutcome.objects.count() == 1


@pytest.mark.django_db
def test_derived_outcomes_are_read_only_in_the_admin(staff_client):
    offering = OfferingFactory()
    derived = SaleOutcome.objects.create(
        offering=offering, kind="listed", derived=True, recorded_at=dt.datetime.now(dt.UTC)
    )
    url = reverse("admin:offerings_saleoutcome_change", args=[derived.pk])

    response = staff_client.post(url, {"kind": "failed", "source_url": "https://x.example"})

    assert response.status_code == 403
    derived.refresh_from_db()
    assert derived.kind == "listed"


@pytest.mark.django_db
def test_the_admin_adds_an_analyst_outcome_only_with_a_source(staff_client, staff):
    offering = OfferingFactory()
    url = reverse("admin:offerings_saleoutcome_add")
    fields = {"offering": offering.pk, "kind": "regulator_action", "note": "SEC order"}

    missing = staff_client.post(url, fields)
    saved = staff_client.post(url, {**fields, "source_url": "https://sec.example/order"})

    assert missing.status_code == 200 and "source_url is required" in missing.content.decode()
    assert saved.status_code == 302
    outcome = SaleOutcome.objects.get()
    assert (outcome.derived, outcome.recorded_by, outcome.kind) == (
        False,
        staff,
        "regulator_action",
    )
