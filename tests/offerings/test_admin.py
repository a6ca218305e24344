from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from offerings.models import Offering, Venue
from tests.factories import OfferingFactory, SecurityIncidentFactory, VenueFactory, full_offering

pytestmark = pytest.mark.django_db

INLINES = ["team", "allocations", "rounds", "audits", "documents"]
CHANGELIST = reverse("admin:offerings_offering_changelist")
ADD = reverse("admin:offerings_offering_add")
# Session, user, venue and country filter choices, two counts (filtered and total), the page of
# offerings with their venues, and two for the date hierarchy: the same for any number of rows.
# +1 since MFA: django-otp reads the session's verified device.
# -1 since the user is kept between requests (accounts.auth_cache).
CHANGELIST_QUERIES = 9
RUNNING_START = timezone.localdate() - dt.timedelta(days=3)


def offering_form(inlines: dict[str, list[dict]] | None = None, **fields) -> dict[str, str]:
    """The POST data of the offering add form: the offering's fields and every inline formset."""
    data = {
        "name": "Kestrel Pay",
        "slug": "kestrel-pay",
        "symbol": "KPAY",
        "kind": "ico",
        "declared_status": "",
        "chain": "ethereum",
        "token_standard": "ERC-20",
        "start_date": "2026-03-01",
        "end_date": "2026-03-31",
        "cap_currency": "USD",
        "soft_cap": "1000000",
        "hard_cap": "5000000",
        "supply_fixed": "true",
        "whitelist": "unknown",
        "roadmap": "unknown",
        "use_of_proceeds": "false",
        "restricted_countries": "US\nNorth Korea",
        "backers": "",
        "checked_none": ["backers"],
        "country": "CH",
        **fields,
    }
    for prefix in INLINES:
        rows = (inlines or {}).get(prefix, [])
        data |= {
            f"{prefix}-TOTAL_FORMS": str(len(rows)),
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
        for index, row in enumerate(rows):
            data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    return data


def allocation(bucket: str, percent: str) -> dict[str, str]:
    return {
        "bucket": bucket,
        "percent": percent,
        "vesting_months": "12",
        "cliff_months": "3",
        "unlock_frequency": "monthly",
    }


def page_slugs(response) -> list[str]:
    return sorted(offering.slug for offering in response.context["cl"].result_list)


def test_the_admin_pages_load_for_staff(staff_client):
    offering = full_offering(venue=VenueFactory())
    venue = offering.venue
    SecurityIncidentFactory(venue=venue)
    pages = [
        reverse("admin:index"),
        CHANGELIST,
        ADD,
        reverse("admin:offerings_offering_change", args=[offering.pk]),
        reverse("admin:offerings_offering_history", args=[offering.pk]),
        reverse(
            "admin:offerings_offering_simple_history",
            args=[offering.pk, offering.history.latest().history_id],
        ),
        reverse("admin:offerings_venue_changelist"),
        reverse("admin:offerings_venue_add"),
        reverse("admin:offerings_venue_change", args=[venue.pk]),
        reverse("admin:offerings_venue_history", args=[venue.pk]),
        reverse("admin:autocomplete") + "?app_label=offerings&model_name=offering&field_name=venue",
    ]
    for url in pages:
        assert staff_client.get(url).status_code == 200, url


def test_the_change_page_shows_every_inline_and_the_derived_status(staff_client):
    offering = full_offering(declared_status="cancelled")
    response = staff_client.get(reverse("admin:offerings_offering_change", args=[offering.pk]))
    prefixes = [inline.formset.prefix for inline in response.context["inline_admin_formsets"]]
    assert sorted(prefixes) == sorted(INLINES)
    assert "Cancelled — set by hand" in response.content.decode()
    assert response.content.decode().count('name="declared_status"') == 1
    assert offering.team.first().name in response.content.decode()


def test_search_finds_offerings_by_name_symbol_and_contract(staff_client):
    helix = OfferingFactory(name="Helix Grid", symbol="HLXG")
    zephyr = OfferingFactory(
        name="Zephyr Vault", contract_address="0xdAC17F958D2ee523a2206206994597C13D831ec7"
    )
    OfferingFactory(name="Umbra Link")
    for query, expected in [("helix", [helix]), ("HLXG", [helix]), ("0xdac17f", [zephyr])]:
        response = staff_client.get(CHANGELIST, {"q": query})
        assert response.status_code == 200
        assert page_slugs(response) == sorted(offering.slug for offering in expected)


def test_each_list_filter_narrows_the_changelist(staff_client):
    today = timezone.localdate()
    venue = VenueFactory(name="Northgate")
    exchange = OfferingFactory(
        slug="exchange",
        kind="ieo",
        venue=venue,
        country="SG",
        token_type="security",
        kyc="",
        refund_policy="none",
        start_date=today - dt.timedelta(days=3),
        end_date=today + dt.timedelta(days=3),
    )
    upcoming = OfferingFactory(
        slug="upcoming", start_date=today + dt.timedelta(days=30), end_date=None
    )
    cancelled = OfferingFactory(slug="cancelled", declared_status="cancelled")
    ended = OfferingFactory(
        slug="ended", start_date=dt.date(2019, 5, 1), end_date=dt.date(2019, 6, 1)
    )
    everyone = ["cancelled", "ended", "exchange", "upcoming"]
    cases = {
        "kind__exact=ieo": ["exchange"],
        "status=active": ["exchange"],
        "status=upcoming": ["upcoming"],
        "status=ended": ["ended"],
        "status=cancelled": ["cancelled"],
        f"venue__id__exact={venue.pk}": ["exchange"],
        "country=SG": ["exchange"],
        "token_type__exact=utility": sorted(o.slug for o in (upcoming, cancelled, ended)),
        "kyc__exact=required": ["cancelled", "ended", "upcoming"],
        "refund_policy__exact=none": ["exchange"],
        "start_date__year=2019": ["ended"],
        "start_date__year=2019&start_date__month=5": ["ended"],
        "start_date__year=2019&start_date__month=5&start_date__day=1": ["ended"],
        "": everyone,
    }
    for query, expected in cases.items():
        response = staff_client.get(f"{CHANGELIST}?{query}")
        assert response.status_code == 200, query
        assert page_slugs(response) == expected, query
    assert exchange.slug in page_slugs(staff_client.get(CHANGELIST, {"o": "4"}))


def test_saving_an_offering_with_every_inline_creates_the_rows_and_history(staff, staff_client):
    data = offering_form(
        inlines={
            "team": [
                {"position": "0", "name": "Ada Byrne", "role": "CEO", "experienced": "true"},
                {"position": "1", "name": "", "role": "Dev", "anonymous": "on"},
            ],
            "allocations": [allocation("team", "15"), allocation("public_sale", "40")],
            "rounds": [{"kind": "presale", "price_usd": "0.08", "discount_percent": "20"}],
            "audits": [{"auditor": "Bastion Security", "date": "2026-01-15"}],
        },
        socials="https://x.com/kestrel",
    )
    response = staff_client.post(ADD, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    offering = Offering.objects.get(slug="kestrel-pay")
    assert offering.soft_cap == Decimal("1000000")
    assert offering.restricted_countries == ["US", "KP"]
    assert (offering.supply_fixed, offering.whitelist, offering.use_of_proceeds) == (
        True,
        None,
        False,
    )
    assert [(m.name, m.anonymous) for m in offering.team.all()] == [
        ("Ada Byrne", False),
        ("", True),
    ]
    assert sorted(a.percent for a in offering.allocations.all()) == [Decimal(15), Decimal(40)]
    # The admin's save recomputes the unlocks: a 3-month cliff and 9 monthly tranches each.
    assert offering.unlocks.filter(kind="cliff").count() == 2
    assert offering.unlocks.count() == 20
    assert offering.rounds.get().discount_percent == Decimal(20)
    assert offering.audits.get().date == dt.date(2026, 1, 15)
    assert (offering.socials.get().network, offering.socials.get().url) == (
        "twitter",
        "https://x.com/kestrel",
    )
    assert offering.backers == []
    history = offering.history.get()
    assert (history.history_type, history.history_user) == ("+", staff)
    assert offering.team.model.history.filter(history_user=staff).count() == 2


def test_changing_an_offering_records_who_changed_what(staff, staff_client):
    assert staff_client.post(ADD, offering_form()).status_code == 302
    offering = Offering.objects.get(slug="kestrel-pay")
    url = reverse("admin:offerings_offering_change", args=[offering.pk])
    response = staff_client.post(url, offering_form(hard_cap="7500000"))
    assert response.status_code == 302
    latest, first = offering.history.all()[:2]
    assert (latest.history_type, latest.history_user) == ("~", staff)
    changes = latest.diff_against(first).changes
    assert [(c.field, c.old, c.new) for c in changes] == [
        ("hard_cap", Decimal("5000000"), Decimal("7500000"))
    ]
    history_page = staff_client.get(reverse("admin:offerings_offering_history", args=[offering.pk]))
    assert staff.username in history_page.content.decode()


def test_allocations_summing_past_100_are_rejected_in_the_admin(staff_client):
    data = offering_form(
        inlines={"allocations": [allocation("team", "60"), allocation("public_sale", "45.5")]}
    )
    response = staff_client.post(ADD, data)
    assert response.status_code == 200
    assert "allocations sum to 105.5%, above 100%" in response.content.decode()
    assert not Offering.objects.exists()


def test_an_ieo_without_a_venue_is_saved_in_the_admin_with_its_venue_unknown(staff_client):
    assert staff_client.post(ADD, offering_form(kind="ieo")).status_code == 302
    assert Offering.objects.get().venue is None
    venue = VenueFactory()
    data = offering_form(kind="ieo", venue=str(venue.pk), name="Named venue", slug="named-venue")
    assert staff_client.post(ADD, data).status_code == 302
    assert Offering.objects.get(name="Named venue").venue == venue


def test_model_rules_are_shown_on_the_admin_form(staff_client):
    data = offering_form(
        soft_cap="5000",
        hard_cap="1000",
        country="XX",
        inlines={
            "team": [{"position": "0", "name": "", "role": "CTO"}],
            "allocations": [
                {"bucket": "team", "percent": "10", "vesting_months": "3", "cliff_months": "6"}
            ],
        },
    )
    content = staff_client.post(ADD, data).content.decode()
    assert "soft_cap (5,000) is above hard_cap (1,000)" in content
    assert "&#x27;XX&#x27; is not an ISO 3166-1 alpha-2 country code" in content
    assert "not anonymous needs a name" in content
    assert "cliff_months (6) is longer than vesting_months (3)" in content
    assert not Offering.objects.exists()


def test_clearing_the_list_fields_in_the_admin_saves_no_countries_and_backers_not_recorded(
    staff_client,
):
    # Backers tell "not recorded" (None) from "checked, none" ([]); an emptied field is the first.
    response = staff_client.post(
        ADD, offering_form(restricted_countries="", backers="", checked_none=[])
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    offering = Offering.objects.get()
    assert (offering.restricted_countries, offering.backers) == ([], None)


def test_backers_are_typed_one_per_line_never_as_json(staff_client):
    typed = "Granite Ventures\n\n  Northwind Capital \nGranite Ventures\n"
    response = staff_client.post(ADD, offering_form(backers=typed, checked_none=[]))
    assert response.status_code == 302, response.context and response.context["errors"]
    offering = Offering.objects.get()
    assert offering.backers == ["Granite Ventures", "Northwind Capital"]
    form = staff_client.get(reverse("admin:offerings_offering_change", args=[offering.pk]))
    assert "Granite Ventures\nNorthwind Capital</textarea>" in form.content.decode()


def test_a_venue_with_unknown_licence_and_kyc_can_be_saved_in_the_admin(staff_client):
    data = {
        "name": "Unknown Swap",
        "slug": "unknown-swap",
        "kind": "dex",
        "licensed": "unknown",
        "kyc_aml_enforced": "unknown",
        "incidents-TOTAL_FORMS": "1",
        "incidents-INITIAL_FORMS": "0",
        "incidents-0-occurred_on": "2025-02-01",
        "incidents-0-kind": "breach",
    }
    response = staff_client.post(reverse("admin:offerings_venue_add"), data)
    assert response.status_code == 302, response.context and response.context["errors"]
    venue = Venue.objects.get(slug="unknown-swap")
    assert (venue.licensed, venue.kyc_aml_enforced) == (None, None)
    assert venue.incidents.get().kind == "breach"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", CHANGELIST_QUERIES),
        ("status=active", CHANGELIST_QUERIES),
        ("q=project", CHANGELIST_QUERIES),
        ("kind__exact=ieo", CHANGELIST_QUERIES),
        # Inside a year the date hierarchy needs no first/last-date query.
        (f"start_date__year={RUNNING_START.year}", CHANGELIST_QUERIES - 1),
    ],
)
def test_the_changelist_query_count_is_pinned_and_independent_of_rows(
    staff_client,
    query,
    expected,
    page_queries,
):
    running = {"start_date": RUNNING_START, "end_date": RUNNING_START + dt.timedelta(days=6)}
    OfferingFactory.create_batch(5, on_exchange=True, **running)
    changelist = page_queries(staff_client, f"{CHANGELIST}?{query}")
    assert changelist.response.context["cl"].result_count > 0, "count a non-empty page"
    assert changelist.count == expected
    OfferingFactory.create_batch(25, on_exchange=True, country="SG", **running)
    OfferingFactory.create_batch(5, kind="sto", declared_status="cancelled", start_date=None)
    assert Offering.objects.count() == 35
    changelist = page_queries(staff_client, f"{CHANGELIST}?{query}")
    assert changelist.response.context["cl"].result_count > 0, "count a non-empty page"
    assert changelist.count == expected


def test_an_analyst_who_is_not_staff_is_sent_to_the_admin_login(client, analyst):
    client.force_login(analyst)
    offering = OfferingFactory()
    for url in [
        reverse("admin:index"),
        CHANGELIST,
        reverse("admin:offerings_offering_change", args=[offering.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    response = client.post(ADD, offering_form())
    assert response.status_code == 302
    assert not Offering.objects.filter(slug="kestrel-pay").exists()


def test_an_anonymous_visitor_is_sent_to_the_admin_login(client):
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response.url.startswith(reverse("admin:login"))


def test_the_changelist_filters_by_risk_and_shows_the_score(staff_client):
    from diligence.rescoring import assessments_refresh

    sound = full_offering()
    risky = full_offering(claims="Guaranteed 40% monthly returns for every holder!")
    unscored = OfferingFactory()
    assessments_refresh(offerings=Offering.objects.exclude(pk=unscored.pk))
    critical = page_slugs(staff_client.get(CHANGELIST, {"risk": "critical"}))
    assert critical == [risky.slug]
    assert page_slugs(staff_client.get(CHANGELIST, {"risk": "none"})) == [unscored.slug]
    assert sound.slug not in critical
    response = staff_client.get(CHANGELIST)
    grades = {row.slug: row.grade for row in response.context["cl"].result_list}
    assert grades[risky.slug] in {"D", "E", "F"}
    assert 'class="field-grade_shown">' in response.content.decode()


def test_saving_an_offering_in_the_admin_rescores_it(
    staff_client, django_capture_on_commit_callbacks
):
    from diligence.models import Assessment

    offering = full_offering()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            reverse("admin:offerings_offering_change", args=[offering.pk]),
            offering_form(name=offering.name, slug=offering.slug, kind="ico", hard_cap="0"),
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    assessment = Assessment.objects.current().get(offering=offering)
    assert "caps.no_hard_cap" in assessment.flags


def test_a_website_typed_without_a_scheme_is_taken_as_https():
    # Otherwise website.insecure would flag an analyst's "example.com" as plain http.
    from django.forms import modelform_factory

    from offerings.models import Offering

    form = modelform_factory(Offering, fields=["website"])({"website": "aurora.example"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["website"] == "https://aurora.example"
