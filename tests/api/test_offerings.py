"""/api/v1/offerings/: the representation, filters, ordering, cursor pages, writes, queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from api.representation import parts_from_json
from diligence.rescoring import assessments_refresh
from diligence.roles import role_assign
from diligence.selectors import assessed_export, offering_sort, offerings_with_assessment
from offerings.models import Offering
from tests.api.test_access import problem
from tests.factories import OfferingFactory, VenueFactory, full_offering

pytestmark = pytest.mark.django_db

LIST = "/api/v1/offerings/"
WRITE = ("offerings:read", "offerings:write")


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [offering["slug"] for offering in response.json()["results"]]


def all_pages(client, params: dict) -> list[str]:
    seen, cursor = [], None
    while True:
        response = client.get(LIST, {**params, **({"cursor": cursor} if cursor else {})})
        seen += slugs(response)
        link = response.json()["next"]
        if link is None:
            return seen
        cursor = link.split("cursor=")[1].split("&")[0]


@pytest.fixture
def catalogue():
    """Twelve scored offerings with varied dates, caps and missing values."""
    venue = VenueFactory(name="Binance", slug="binance")
    offerings = []
    for number in range(12):
        offerings.append(
            full_offering(
                name=f"Coin {number:02d}",
                slug=f"coin-{number:02d}",
                start_date=None if number % 5 == 0 else dt.date(2025, 1 + number % 6, 1),
                hard_cap=None if number % 4 == 0 else Decimal(1_000_000 * (number % 3 + 1)),
                raised_usd=Decimal(number * 1000),
                country="SG" if number % 3 == 0 else "CH",
                kind="ieo" if number % 2 else "ico",
                venue=venue if number % 2 else None,
                whitepaper_url="" if number % 4 == 1 else "https://coin.example/wp.pdf",
            )
        )
    assessments_refresh()
    return offerings


def test_the_list_is_the_export_record_plus_the_url(read_client, catalogue):
    response = read_client.get(LIST, {"ordering": "name"})
    results = response.json()["results"]
    exported = sorted(assessed_export(), key=lambda record: record["name"])
    assert [{k: v for k, v in r.items() if k != "url"} for r in results] == exported
    assert results[0]["url"] == "http://testserver/api/v1/offerings/coin-00/"
    assert results[0]["score"] is not None and results[0]["grade"]


def test_market_data_and_listings_are_in_the_representation(read_client, django_assert_num_queries):
    from tests.offerings.market.factories import ListingFactory, MarketSummaryFactory

    summary = MarketSummaryFactory(offering=full_offering(slug="listed", token_price_usd="0.1"))
    ListingFactory(offering=summary.offering, venue=VenueFactory(name="Zeta"), pair="L/USDT")
    ListingFactory(offering=summary.offering, venue=VenueFactory(name="Alpha"), pair="L/BTC")
    OfferingFactory(slug="unlisted")
    read_client.get(LIST)  # and caches the records (api.record_cache)
    # The page's rows read for its cache key (api.page_cache: a page not seen yet) and the page
    # (the public records' filing check joined, their confirmed matches aggregated; no address:
    # no sanctions query); the records are cached, the key and its owner's permissions kept.
    with django_assert_num_queries(2):
        results = read_client.get(LIST, {"ordering": "name"}).json()["results"]
    exported = sorted(assessed_export(), key=lambda record: record["name"])
    assert [{k: v for k, v in r.items() if k != "url"} for r in results] == exported
    listed = next(r for r in results if r["slug"] == "listed")
    assert [listing["venue"] for listing in listed["listings"]] == ["Alpha", "Zeta"]
    assert listed["market"]["price_usd"] == "0.15"
    assert next(r for r in results if r["slug"] == "unlisted")["market"] is None


def test_outcomes_are_in_the_representation_as_in_the_export(
    read_client, django_assert_num_queries
):
    from offerings.models import SaleOutcome
    from offerings.outcomes import sale_outcome_record

    offering = full_offering(slug="rugged")
    SaleOutcome.objects.create(
        offering=offering,
        kind="delisted",
        derived=True,
        occurred_on=dt.date(2026, 9, 1),
        evidence="all 2 exchange pairs delisted",
        recorded_at=timezone.now(),
    )
    sale_outcome_record(
        offering=offering, kind="failed", source_url="https://x.example/post", user=None
    )
    OfferingFactory(slug="quiet")
    read_client.get(LIST)  # and caches the records (api.record_cache)
    # the page's rows for its cache key (a page not seen yet: api.page_cache) and the page (the
    # public records' filing check joined, their confirmed matches aggregated; no address: no
    # sanctions query); the records from the cache, the key and permissions kept in the process
    with django_assert_num_queries(2):
        results = read_client.get(LIST, {"ordering": "name"}).json()["results"]
    exported = sorted(assessed_export(), key=lambda record: record["name"])
    assert [{k: v for k, v in r.items() if k != "url"} for r in results] == exported
    rugged = next(r for r in results if r["slug"] == "rugged")
    assert [(o["kind"], o["derived"]) for o in rugged["outcomes"]] == [
        ("delisted", True),
        ("failed", False),
    ]
    assert rugged["outcomes"][1]["source_url"] == "https://x.example/post"
    assert next(r for r in results if r["slug"] == "quiet")["outcomes"] == []
    detail = read_client.get(f"{LIST}rugged/").json()
    assert detail["outcomes"] == rugged["outcomes"]


def test_parts_come_in_each_relation_s_own_order(catalogue):
    offering = Offering.objects.get(slug="coin-03")
    loaded = parts_from_json([offering])[offering.pk]
    fresh = Offering.objects.get(slug="coin-03")
    assert [m.id for m in loaded["team"]] == [m.pk for m in fresh.team.all()]
    assert [a.id for a in loaded["allocations"]] == [a.pk for a in fresh.allocations.all()]
    assert all(isinstance(a.percent, Decimal) for a in loaded["allocations"])


def test_detail_by_slug(read_client, catalogue):
    response = read_client.get(f"{LIST}coin-03/")
    assert response.status_code == 200
    body = response.json()
    assert (body["slug"], body["venue"], len(body["team"])) == ("coin-03", "Binance", 2)
    assert problem(read_client.get(f"{LIST}nope/"), 404)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "ieo"}, {f"coin-{n:02d}" for n in range(1, 12, 2)}),
        ({"country": "sg"}, {f"coin-{n:02d}" for n in range(0, 12, 3)}),
        ({"venue": "binance"}, {f"coin-{n:02d}" for n in range(1, 12, 2)}),
    ],
)
def test_filters_as_in_the_ui(read_client, catalogue, params, expected):
    assert set(all_pages(read_client, params)) == expected


def test_search_puts_the_best_match_first(read_client, catalogue):
    found = all_pages(read_client, {"q": "Coin 07", "page_size": 2})
    assert found[0] == "coin-07"
    assert len(found) == len(set(found))
    assert set(found) == set(Offering.objects.search("Coin 07").values_list("slug", flat=True))


def test_risk_grade_and_score_filters_match_the_assessments(read_client, catalogue):
    assessed = offerings_with_assessment(Offering.objects.all())
    some = assessed.first()
    assert set(all_pages(read_client, {"risk": some.risk})) == set(
        assessed.filter(risk=some.risk).values_list("slug", flat=True)
    )
    assert set(all_pages(read_client, {"grade": some.grade})) == set(
        assessed.filter(grade=some.grade).values_list("slug", flat=True)
    )
    low, high = "40", "80"
    assert set(all_pages(read_client, {"score_min": low, "score_max": high})) == set(
        assessed.filter(score__gte=40, score__lte=80).values_list("slug", flat=True)
    )


def test_updated_since(read_client, catalogue):
    Offering.objects.exclude(slug="coin-05").update(
        updated_at=timezone.now() - dt.timedelta(days=3)
    )
    since = (timezone.now() - dt.timedelta(days=1)).isoformat()
    assert all_pages(read_client, {"updated_since": since}) == ["coin-05"]
    assert len(all_pages(read_client, {"updated_since": "2000-01-01"})) == 12


@pytest.mark.parametrize(
    "ordering",
    [
        "",
        "name",
        "-name",
        "start_date",
        "-start_date",
        "hard_cap",
        "-raised_usd",
        "score",
        "-score",
        "risk",
        "-risk",
        "coverage",
    ],
)
@pytest.mark.parametrize("page_size", [1, 5])
def test_cursor_pages_walk_every_offering_once_in_order(
    read_client, catalogue, ordering, page_size
):
    expected = list(offering_sort(ordering).values_list("slug", flat=True))
    walked = all_pages(read_client, {"ordering": ordering, "page_size": page_size})
    assert walked == expected


def test_bad_parameters_are_400_problems_naming_field_value_and_rule(read_client, catalogue):
    response = read_client.get(
        LIST, {"kind": "xyz", "ordering": "price", "score_min": "200", "page_size": "0"}
    )
    # page_size is checked after the filters: one problem at a time per stage.
    errors = {e["field"]: e for e in problem(response, 400)["errors"]}
    assert errors["kind"]["value"] == "xyz" and "must be one of" in errors["kind"]["rule"]
    assert errors["ordering"]["value"] == "price"
    assert errors["score_min"]["rule"] == "must be a number from 0 to 100"
    bad_size = problem(read_client.get(LIST, {"page_size": "500"}), 400)
    assert bad_size["errors"] == [
        {"field": "page_size", "value": "500", "rule": "must be from 1 to 200"}
    ]
    unknown = problem(read_client.get(LIST, {"colour": "red"}), 400)
    assert unknown["errors"][0]["field"] == "colour"
    cursor = problem(read_client.get(LIST, {"cursor": "garbage"}), 400)
    assert cursor["errors"][0]["field"] == "cursor"
    since = problem(read_client.get(LIST, {"updated_since": "yesterday"}), 400)
    assert since["errors"][0]["field"] == "updated_since"


@pytest.mark.parametrize("size", [5, 50])
def test_the_list_takes_the_same_few_queries_for_any_page_size(
    read_client, size, django_assert_num_queries
):
    for number in range(size):
        full_offering(name=f"Q {number}", slug=f"q-{number}")
    assessments_refresh()
    read_client.get(LIST)  # records the key's use, which is written at most once a minute
    cache.clear()
    # Cold: the key, the page's rows read for its cache key (api.page_cache), the page (the
    # public records' filing check joined and confirmed matches aggregated; no address: no
    # sanctions query), 1 for the key owner's permissions (a key can do no more than its
    # owner), and for the records: 1 with every part aggregated in it (their copied-whitepaper
    # matches would be 1 more, but none of them has its whitepaper indexed); nothing per row.
    query = {"ordering": "-score", "kind": "ico", "page_size": size}
    with django_assert_num_queries(5):
        cold = read_client.get(LIST, query)
    # Warm, its rows unchanged: the page's rows; the page built from the same rows comes from
    # the cache (api.page_cache), the key and its owner's permissions from the process.
    with django_assert_num_queries(1):
        warm = read_client.get(LIST, query)
    assert len(cold.json()["results"]) == size
    assert warm.json() == cold.json()
    # A page not seen yet whose records are cached: the rows for its cache key, the page; the
    # records from the cache by revision (api.record_cache).
    with django_assert_num_queries(2):
        other = read_client.get(LIST, {**query, "ordering": "score"})
    assert len(other.json()["results"]) == size


def test_the_list_stays_within_six_queries_with_a_venue_filter_and_a_first_use(
    read_client, catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = read_client.get(LIST, {"venue": "binance", "risk": "high", "page_size": 50})
    assert response.status_code == 200


def test_create_validates_every_field_and_names_field_value_and_rule(api_key, api_client):
    client = api_client(api_key(scopes=WRITE))
    response = client.post(
        LIST,
        {
            "name": "Bad",
            "kind": "xyz",
            "hard_cap": "-5",
            "team": [{"anonymous": "maybe"}],
            "colour": "red",
        },
    )
    errors = {e["field"]: e for e in problem(response, 400)["errors"]}
    assert errors["kind"] == {
        "field": "kind",
        "value": "xyz",
        "rule": "must be one of ico, ieo, ido, sto",
    }
    assert errors["hard_cap"]["rule"] == "must not be negative"
    assert errors["team[0].anonymous"]["value"] == "maybe"
    assert errors["colour"]["rule"] == "is not a field of interchange format v2"  # the API reads v2
    assert not Offering.objects.exists()


def test_create_reports_model_rules_too(api_key, api_client):
    client = api_client(api_key(scopes=WRITE))
    response = client.post(LIST, {"name": "Caps", "kind": "ico", "soft_cap": "10", "hard_cap": "5"})
    errors = problem(response, 400)["errors"]
    assert errors[0]["field"] == "soft_cap"
    assert "above hard_cap" in errors[0]["rule"]
    duplicate = client.post(LIST, {"name": "Caps", "kind": "ico"})
    assert duplicate.status_code == 201
    again = client.post(LIST, {"name": "Caps2", "slug": "caps", "kind": "ico"})
    assert problem(again, 400)["errors"][0]["field"] == "slug"


def test_create_update_and_delete(api_key, api_client):
    client = api_client(api_key(scopes=WRITE))
    created = client.post(
        LIST,
        {
            "name": "Delta",
            "kind": "ico",
            "hard_cap": "5000000",
            "team": [{"name": "Ann", "role": "CEO"}],
        },
    )
    assert created.status_code == 201, created.content
    assert created["Location"] == "http://testserver/api/v1/offerings/delta/"
    changed = client.patch(f"{LIST}delta/", {"hard_cap": "6000000"})
    assert changed.status_code == 200
    assert changed.json()["hard_cap"] == "6000000"
    assert changed.json()["team"][0]["name"] == "Ann"  # a partial record leaves the rest
    bad = client.patch(f"{LIST}delta/", {"end_date": "soon"})
    assert problem(bad, 400)["errors"][0]["field"] == "end_date"
    refused = problem(client.delete(f"{LIST}delta/"), 403)
    assert "offerings.delete_offering" in refused["detail"]  # deleting is the admin role's
    role_assign(user=client.made.key.user, role="admin")
    assert client.delete(f"{LIST}delta/").status_code == 204
    assert not Offering.objects.filter(slug="delta").exists()
    assert Offering.all_objects.get(slug="delta").deleted_at is not None  # kept, hidden
    assert problem(client.delete(f"{LIST}delta/"), 404)


def test_a_body_that_is_not_json_is_a_problem(api_key, api_client):
    client = api_client(api_key(scopes=WRITE))
    response = client.post(LIST, raw_body=b"{nope")
    assert "JSON parse error" in problem(response, 400)["detail"]
    wrong = client.request("POST", LIST, raw_body=b"[1, 2]")
    assert problem(wrong, 400)["errors"][0]["rule"] == "must be a JSON object"


def test_patching_an_empty_list_records_checked_none_by_the_key_owner(
    api_key, api_client, api_user
):
    from offerings.models import Absence

    made = api_key(scopes=WRITE)
    client = api_client(made)
    OfferingFactory(slug="gamma")

    changed = client.patch(f"{LIST}gamma/", {"audits": [], "socials": {}, "code_public": False})

    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["audits"], body["socials"], body["code_public"]) == ([], {}, False)
    assert (body["team"], body["backers"], body["interchange_version"]) == (None, None, 2)
    absence = Absence.objects.get(offering__slug="gamma", part="audits")
    assert absence.checked_by == api_user
    assert absence.source == f"api key {made.key.key_id}"
    # null makes it "not recorded" again
    cleared = client.patch(f"{LIST}gamma/", {"audits": None})
    assert cleared.json()["audits"] is None
    assert not Absence.objects.filter(part="audits").exists()


def test_a_v1_body_keeps_empty_lists_as_not_recorded(api_key, api_client):
    from offerings.models import Absence

    client = api_client(api_key(scopes=WRITE))
    OfferingFactory(slug="old-client")

    changed = client.patch(f"{LIST}old-client/", {"interchange_version": 1, "audits": []})

    assert changed.json()["audits"] is None
    assert not Absence.objects.exists()


def test_list_and_detail_equal_the_export_with_checked_none_and_not_recorded(read_client):
    from offerings.services import absence_record

    checked = OfferingFactory(slug="checked", backers=None, code_public=False)
    for part in ("audits", "team", "allocations", "rounds", "socials", "backers"):
        absence_record(offering=checked, part=part, source="admin")
    OfferingFactory(slug="blank", backers=None)
    full_offering(slug="full")

    results = read_client.get(LIST, {"ordering": "name"}).json()["results"]
    detail = read_client.get(f"{LIST}checked/").json()
    detail.pop("vesting_returns")  # one offering's extras, not interchange fields

    exported = sorted(assessed_export(), key=lambda record: record["name"])
    assert [{k: v for k, v in r.items() if k != "url"} for r in results] == exported
    assert {k: v for k, v in detail.items() if k != "url"} == next(
        r for r in exported if r["slug"] == "checked"
    )
    assert (detail["audits"], detail["socials"], detail["backers"]) == ([], {}, [])
