"""The offerings list: filters, search, sorting, paging, the htmx fragment and the CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re
from decimal import Decimal

import pytest
from django import forms
from django.db import connection
from django.forms.utils import flatatt
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analyst.views.browse import PAGE_SIZE
from diligence.models import Assessment
from diligence.selectors import SORT_KEYS, assessed_export
from diligence.vocabulary import Grade, Risk
from offerings.filters import (
    OfferingFilterForm,
    QuickDateInput,
    QuickNumberInput,
    QuickSelect,
    QuickTextInput,
)
from offerings.formats import render
from offerings.interchange import EXPORT_ORDER
from offerings.models import Offering, Venue
from tests.factories import AuditFactory, OfferingFactory, VenueFactory, full_offering

pytestmark = pytest.mark.django_db

LIST = reverse("offerings:list")
EXPORT = reverse("offerings:export")
HTMX = {"HTTP_HX_REQUEST": "true"}
# Session, user, the venues (filter options), the COUNT, one page of offerings with their venue
# and current assessment, and the base header's unread-notification count.
# +1 since roles: the signed-in user's permissions, read once per request (accounts.backends).
# -1 since the permission cache: read once, then cached (conftest.page_queries: steady state).
# -1 since the user is kept between requests (accounts.auth_cache).
PAGE_QUERIES = 5
# The fragment: the same without the header, and without the venues unless a venue is sent
# (the venue filter's options are read only to render the form or check a venue).
# -1 since the user is kept between requests (accounts.auth_cache).
FRAGMENT_QUERIES = 3
# An anonymous visitor under public browsing: no session, user or notifications.
PUBLIC_QUERIES = 3
# Session, user, the offerings, then team, allocations, rounds, audits and socials (no venues: the
# form is not rendered and no venue is sent).
# 8, plus market summaries, listings, outcomes and "checked, none" records (interchange.PREFETCH),
# plus permissions; plus the copied-whitepaper matches (the index entry is joined); plus the
# public records' confirmed matches (the filing check is joined; no address: no sanctions query).
EXPORT_QUERIES = 15
CONTRACT = "0x5a0b54d5dc17e0aadc383d2db43b0a0d3e029c4c"
OTHER_CONTRACT = "0xd26114cd6ee289accf82350c8d8487fedb8a0c07"


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def assess(offering: Offering, score: str | None, grade: str, risk: str, flags=()) -> Assessment:
    return Assessment.objects.create(
        offering=offering,
        created_at=timezone.now(),
        methodology_version="1.0",
        score=None if score is None else Decimal(score),
        grade=grade,
        risk=risk,
        coverage=Decimal("0.750"),
        flags=list(flags),
        digest="test",
    )


def offering(**kwargs) -> Offering:
    """An offering; `venue` may be a slug, `assessment` a (score, grade, risk) tuple."""
    if isinstance(kwargs.get("venue"), str):
        slug = kwargs["venue"]
        kwargs["venue"] = Venue.objects.filter(slug=slug).first() or VenueFactory(slug=slug)
    assessment = kwargs.pop("assessment", None)
    audited = kwargs.pop("audited", False)
    created = OfferingFactory(**kwargs)
    if assessment:
        assess(created, *assessment)
    if audited:
        AuditFactory(offering=created)
    return created


ROW_NAME = re.compile(r'<tr>\s*<td><a href="/offerings/[^"]*/">([^<]*)</a>')


def shown(response) -> list[str]:
    """Names of the offerings in the table as served, in order (a page's rows may be written
    once and served again: analyst.results_cache)."""
    return [html.unescape(name) for name in ROW_NAME.findall(response.content.decode())]


TODAY = timezone.localdate()
DAY = dt.timedelta(days=1)

# parameters -> (an offering that must be listed, one that must not)
FILTERS = {
    "kind=ieo": ({"kind": "ieo", "venue": "northgate"}, {"kind": "ico"}),
    "status=upcoming": (
        {"start_date": TODAY + 5 * DAY, "end_date": TODAY + 9 * DAY},
        {"start_date": TODAY - 9 * DAY, "end_date": TODAY - 5 * DAY},
    ),
    "status=cancelled": ({"declared_status": "cancelled"}, {"declared_status": ""}),
    "status=unknown": ({"start_date": None, "end_date": None}, {}),
    "venue=northgate": ({"venue": "northgate"}, {"venue": "harbor"}),
    "country=SG": ({"country": "SG"}, {"country": "CH"}),
    "country=sg": ({"country": "SG"}, {"country": "CH"}),
    "risk=high": ({"assessment": ("45", "D", "high")}, {"assessment": ("90", "A", "low")}),
    "grade=A": ({"assessment": ("90", "A", "low")}, {"assessment": ("75", "B", "medium")}),
    "score_min=70": (
        {"assessment": ("70", "B", "medium")},
        {"assessment": ("69.9", "C", "medium")},
    ),
    "score_max=50": ({"assessment": ("50", "D", "high")}, {"assessment": ("50.1", "D", "high")}),
    "score_min=0": ({"assessment": ("0", "F", "critical")}, {}),
    "kyc=not_required": ({"kyc": "not_required"}, {"kyc": "required"}),
    "kyc=unspecified": ({"kyc": "unspecified"}, {"kyc": ""}),
    "has_audit=yes": ({"audited": True}, {}),
    "has_audit=no": ({}, {"audited": True}),
    "refund=none": ({"refund_policy": "none"}, {"refund_policy": "full"}),
    "refund=partial": ({"refund_policy": "partial"}, {"refund_policy": "unspecified"}),
    "start_from=2026-03-01": (
        {"start_date": dt.date(2026, 3, 1)},
        {"start_date": dt.date(2026, 2, 28)},
    ),
    "start_to=2026-03-01": (
        {"start_date": dt.date(2026, 3, 1)},
        {"start_date": dt.date(2026, 3, 2)},
    ),
    "start_from=2026-03-01&start_to=2026-03-31": (
        {"start_date": dt.date(2026, 3, 31)},
        {"start_date": None},
    ),
}


@pytest.mark.parametrize("params", FILTERS)
def test_each_filter_keeps_the_matching_offering_and_drops_the_other(analyst_client, params):
    included, excluded = FILTERS[params]
    offering(name="Included", **included)
    offering(name="Excluded", **excluded)
    response = analyst_client.get(f"{LIST}?{params}")
    assert response.status_code == 200
    assert shown(response) == ["Included"]
    assert response.context["problems"] == []


def test_filters_combine(analyst_client):
    offering(name="Both", kind="ido", country="SG", venue="pad")
    offering(name="Only kind", kind="ido", country="CH", venue="pad")
    offering(name="Only country", kind="ico", country="SG")
    response = analyst_client.get(LIST, {"kind": "ido", "country": "SG"})
    assert shown(response) == ["Both"]


def test_an_unassessed_offering_is_left_out_by_assessment_filters(analyst_client):
    offering(name="Assessed", assessment=("60", "C", "medium"))
    offering(name="Unassessed")
    for params in ({"risk": "medium"}, {"grade": "C"}, {"score_min": "0"}, {"score_max": "100"}):
        assert shown(analyst_client.get(LIST, params)) == ["Assessed"], params


@pytest.mark.parametrize(
    ("q", "field"),
    [
        ("helix", "name"),
        ("Grid", "name"),
        ("hlx", "symbol"),
        ("northgate", "venue"),
        (CONTRACT, "contract address"),
        (CONTRACT.upper().replace("0X", "0x"), "contract address in other case"),
    ],
)
def test_search_finds_by_name_symbol_venue_and_contract(analyst_client, q, field):
    offering(
        name="Helix Grid",
        symbol="HLX",
        venue=VenueFactory(name="Northgate Exchange"),
        contract_address=CONTRACT,
    )
    offering(
        name="Umbra Link",
        symbol="UMB",
        venue=VenueFactory(name="Harbor Digital"),
        contract_address=OTHER_CONTRACT,
    )
    assert shown(analyst_client.get(LIST, {"q": q})) == ["Helix Grid"], field


def test_search_puts_an_exact_symbol_match_first(analyst_client):
    offering(name="Orbit Maker", symbol="ORBX", start_date=dt.date(2026, 5, 1))
    offering(name="Orbit", symbol="ORB", start_date=dt.date(2026, 1, 1))
    assert shown(analyst_client.get(LIST, {"q": "orb"}))[0] == "Orbit"


def test_search_combines_with_filters(analyst_client):
    offering(name="Helix Grid", kind="ieo", venue="northgate")
    offering(name="Helix Prime", kind="ico")
    assert shown(analyst_client.get(LIST, {"q": "helix", "kind": "ico"})) == ["Helix Prime"]


def test_a_broad_search_counts_up_to_the_cap_and_pages_through_those(analyst_client, monkeypatch):
    monkeypatch.setattr("analyst.views.browse.SEARCH_COUNT_CAP", 4)
    monkeypatch.setattr("analyst.views.browse.PAGE_SIZE", 2)
    for number in range(6):
        offering(name=f"Helix {number}", start_date=dt.date(2026, 1, 1) + dt.timedelta(days=number))
    with CaptureQueriesContext(connection) as queries:
        response = analyst_client.get(LIST, {"q": "helix"})
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.capped, paginator.num_pages) == (4, True, 2)
    counts = [q["sql"] for q in queries.captured_queries if "offerings_offering" in q["sql"]]
    counts = [sql for sql in counts if "COUNT(" in sql]
    assert len(counts) == 1 and "LIMIT 5" in counts[0]
    # the rank (GREATEST of an exact-match CASE, ts_rank and word_similarity) is not computed to
    # count (on PostgreSQL the count's own CASE first counts the literal matches:
    # tests/offerings/test_search_count_floor.py)
    assert "GREATEST" not in counts[0].upper() and "TS_RANK" not in counts[0].upper()
    content = response.content.decode()
    assert "More than <strong>4</strong> offerings match · page 1 of 2" in content
    assert "narrow the search to see the rest" in content
    assert "Export every match as CSV" in content
    # Past the counted matches, the last counted page: the 3rd and 4th newest.
    beyond = analyst_client.get(LIST, {"q": "helix", "page": 3})
    assert shown(beyond) == ["Helix 3", "Helix 2"]
    # The export is not capped.
    exported = list(
        csv.DictReader(
            io.StringIO(
                b"".join(analyst_client.get(EXPORT, {"q": "helix"}).streaming_content).decode()
            )
        )
    )
    assert len(exported) == 6


def test_a_search_within_the_cap_and_a_list_without_search_count_exactly(
    analyst_client, monkeypatch
):
    monkeypatch.setattr("analyst.views.browse.SEARCH_COUNT_CAP", 4)
    for number in range(6):
        offering(name=f"Helix {number}", symbol=f"HX{number}")
    searched = analyst_client.get(LIST, {"q": "hx1"}).context["page"].paginator
    assert (searched.count, searched.capped) == (1, False)
    listed = analyst_client.get(LIST)
    assert (listed.context["page"].paginator.count, listed.context["page"].paginator.capped) == (
        6,
        False,
    )
    assert "<strong>6</strong> offerings" in listed.content.decode()


def sorting_data() -> None:
    offering(
        name="Beta",
        start_date=dt.date(2026, 2, 1),
        raised_usd=Decimal(500),
        hard_cap=Decimal(900),
        assessment=("80", "B", "low"),
    )
    offering(
        name="Alpha",
        start_date=dt.date(2026, 3, 1),
        raised_usd=Decimal(100),
        hard_cap=Decimal(100),
        assessment=("30", "F", "critical"),
    )
    offering(
        name="Gamma",
        start_date=dt.date(2026, 1, 1),
        raised_usd=Decimal(300),
        hard_cap=Decimal(500),
        assessment=("55", "C", "high"),
    )
    offering(name="Delta", start_date=None, raised_usd=None, hard_cap=None)


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("", ["Alpha", "Beta", "Gamma", "Delta"]),
        ("name", ["Alpha", "Beta", "Delta", "Gamma"]),
        ("-name", ["Gamma", "Delta", "Beta", "Alpha"]),
        ("start_date", ["Gamma", "Beta", "Alpha", "Delta"]),
        ("-start_date", ["Alpha", "Beta", "Gamma", "Delta"]),
        ("raised_usd", ["Alpha", "Gamma", "Beta", "Delta"]),
        ("-raised_usd", ["Beta", "Gamma", "Alpha", "Delta"]),
        ("hard_cap", ["Alpha", "Gamma", "Beta", "Delta"]),
        ("score", ["Alpha", "Gamma", "Beta", "Delta"]),
        ("-score", ["Beta", "Gamma", "Alpha", "Delta"]),
        ("risk", ["Beta", "Gamma", "Alpha", "Delta"]),
        ("-risk", ["Alpha", "Gamma", "Beta", "Delta"]),
    ],
)
def test_sorting_puts_unknown_values_last_in_both_directions(analyst_client, sort, order):
    sorting_data()
    assert shown(analyst_client.get(LIST, {"sort": sort})) == order


def test_ties_are_broken_by_name_so_pages_are_stable(analyst_client):
    for name in ["Cobalt", "Amber", "Basalt"]:
        offering(name=name, start_date=dt.date(2026, 1, 1), assessment=("60", "C", "medium"))
    assert shown(analyst_client.get(LIST, {"sort": "-score"})) == ["Amber", "Basalt", "Cobalt"]
    assert shown(analyst_client.get(LIST)) == ["Amber", "Basalt", "Cobalt"]


def test_sorting_by_roi_is_accepted_and_says_it_needs_market_data(analyst_client):
    sorting_data()
    response = analyst_client.get(LIST, {"sort": "-roi"})
    assert shown(response) == ["Alpha", "Beta", "Gamma", "Delta"]
    assert "needs market data" in response.content.decode()
    assert response.context["problems"] == []


def test_a_bad_parameter_is_named_with_its_value_and_the_other_filters_still_apply(
    analyst_client,
):
    offering(name="Kept", country="SG", kind="ico")
    offering(name="Dropped", country="CH", kind="ico")
    response = analyst_client.get(
        LIST, {"country": "SG", "kind": "xyz", "score_min": "150", "sort": "height"}
    )
    assert shown(response) == ["Kept"]
    content = response.content.decode()
    assert "kind=&#x27;xyz&#x27; is ignored: must be one of ico, ieo, ido, sto" in content
    assert "score_min=&#x27;150&#x27; is ignored: must be a number from 0 to 100" in content
    assert "sort=&#x27;height&#x27; is ignored: must be one of" in content
    assert 'aria-invalid="true"' in content
    assert '<p class="error" id="id_kind_error">must be one of ico, ieo, ido, sto</p>' in content


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"venue": "nowhere"}, "venue='nowhere' is ignored: is not a venue Offerwatch knows"),
        ({"country": "XX"}, "country='XX' is ignored: is not an ISO 3166-1 alpha-2 country code"),
        ({"start_from": "last week"}, "start_from='last week' is ignored: must be a date"),
        ({"has_audit": "maybe"}, "has_audit='maybe' is ignored: must be one of yes, no"),
        ({"page": "two"}, "page='two' is ignored: must be a page number"),
        ({"score_min": "80", "score_max": "20"}, "score_max='20' is ignored: is below score_min"),
        (
            {"start_from": "2026-05-01", "start_to": "2026-04-01"},
            "start_to='2026-04-01' is ignored: is before start_from (2026-05-01)",
        ),
    ],
)
def test_each_bad_value_gets_a_message_naming_the_parameter_and_the_rule(params, message):
    form = OfferingFilterForm(
        params,
        venues=[("northgate", "Northgate Exchange")],
        risks=Risk.choices,
        grades=Grade.choices,
    )
    assert any(problem.startswith(message) for problem in form.problems), form.problems


@pytest.mark.parametrize(
    ("quick", "django_widget"),
    [
        (QuickTextInput, forms.TextInput),
        (QuickNumberInput, forms.NumberInput),
        (QuickDateInput, forms.DateInput),
    ],
)
@pytest.mark.parametrize("value", [None, "", '4 < 5 & "6"', dt.date(2026, 3, 1)])
def test_the_quick_inputs_write_the_markup_of_djangos_inputs(quick, django_widget, value):
    attrs = {"id": "id_x", "aria-invalid": "true", "required": True, "hidden": False, "step": 0}
    assert quick(attrs).render("x", value) == django_widget(attrs).render("x", value)


def test_the_quick_select_writes_its_attributes_as_flatatt_did():
    attrs = {"id": "id_x", "aria-invalid": "true", "required": True, "hidden": False, "size": 0}
    markup = QuickSelect(attrs, choices=[("", "Any"), ("a&b", "A & B")]).render("x", "a&b")
    assert markup == (
        f'<select name="x"{flatatt(attrs)}><option value="">Any</option>'
        '<option value="a&amp;b" selected>A &amp; B</option></select>'
    )


def test_the_sort_options_are_the_sorts_the_queryset_knows():
    sorts = {key.removeprefix("-") for key, _ in OfferingFilterForm.base_fields["sort"].choices}
    assert sorts - {"", "roi"} == set(SORT_KEYS)


def test_an_htmx_request_gets_only_the_results_fragment(analyst_client):
    offering(name="Helix Grid")
    response = analyst_client.get(LIST, {"q": "helix"}, **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content and "<form" not in content
    assert content.strip().startswith('<section id="results"')
    assert "<table" in content and "Helix Grid" in content
    assert "HX-Request" in response["Vary"]


def test_a_normal_request_gets_the_whole_page_with_the_live_filter_form(analyst_client):
    offering(name="Helix Grid")
    content = analyst_client.get(LIST).content.decode()
    assert "<html" in content and 'id="results"' in content and "Helix Grid" in content
    assert 'method="get"' in content  # works without JavaScript
    assert 'hx-get="/offerings/"' in content
    assert 'hx-push-url="true"' in content
    assert 'hx-target="#results"' in content
    assert "change, keyup changed delay:300ms from:input[name=q]" in content
    for name in ["q", "kind", "status", "venue", "country", "risk", "grade", "score_min"]:
        assert f'<label for="id_{name}">' in content, name


def test_the_fragment_checks_a_sent_venue_against_the_venues(analyst_client):
    offering(name="Included", venue="northgate")
    offering(name="Excluded", venue="harbor")
    content = analyst_client.get(LIST, {"venue": "northgate"}, **HTMX).content.decode()
    assert "Included" in content and "Excluded" not in content
    content = analyst_client.get(LIST, {"venue": "nowhere"}, **HTMX).content.decode()
    assert "venue=&#x27;nowhere&#x27; is ignored: is not a venue Offerwatch knows" in content


def test_a_history_restore_request_gets_the_whole_page(analyst_client):
    response = analyst_client.get(LIST, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX)
    assert "<html" in response.content.decode()


def test_paging_keeps_the_filters_in_plain_and_htmx_links(analyst_client):
    OfferingFactory.create_batch(PAGE_SIZE + 5, kind="ido")
    offering(kind="ico")
    first = analyst_client.get(LIST, {"kind": "ido", "q": "", "sort": "name"})
    content = first.content.decode()
    assert 'href="/offerings/?kind=ido&amp;sort=name&amp;page=2"' in content
    assert 'hx-get="/offerings/?kind=ido&amp;sort=name&amp;page=2"' in content
    assert first.context["page"].paginator.count == PAGE_SIZE + 5
    second = analyst_client.get(LIST, {"kind": "ido", "sort": "name", "page": 2}, **HTMX)
    fragment = second.content.decode()
    assert fragment.count('<td><a href="/offerings/') == 5  # rows of the fragment
    assert 'href="/offerings/?kind=ido&amp;sort=name&amp;page=1"' in fragment


def test_rows_show_caps_score_grade_risk_coverage_and_titled_top_flags(analyst_client):
    listed = offering(name="Helix Grid", soft_cap=Decimal(0), hard_cap=None)
    assess(
        listed,
        "45",
        "D",
        "high",
        flags=["issuer.unidentified", "caps.no_refund_rule", "team.anonymous", "manual.rugpull"],
    )
    content = analyst_client.get(LIST).content.decode()
    assert '<span class="muted">soft</span> none</span>' in content
    assert '<span class="muted">hard</span> unknown</span>' in content
    assert '<span class="grade grade-D">D</span> 45.0' in content
    assert '<span class="risk risk-high">high</span>' in content
    assert '<td class="num">75%</td>' in content
    assert '<code title="Issuer not identified">issuer.unidentified</code>' in content
    assert "team.anonymous" in content and "manual.rugpull" not in content


def test_a_row_escapes_its_values_and_dashes_what_is_not_known(analyst_client):
    listed = offering(
        name='<b>Fish & "Chips"</b>',
        symbol="F&C",
        kind="ico",
        venue=None,
        start_date=None,
        end_date=None,
        soft_cap=None,
        hard_cap=Decimal("1234567.5"),
        cap_currency="USD",
        raised_usd=Decimal(0),
    )
    content = analyst_client.get(LIST).content.decode()
    row = f"""<tr>
        <td><a href="/offerings/{listed.slug}/">&lt;b&gt;Fish &amp; &quot;Chips&quot;&lt;/b&gt;</a> <span class="muted">F&amp;C</span></td>
        <td><abbr title="ICO — initial coin offering">ICO</abbr></td>
        <td>unknown</td>
        <td>—</td>
        <td class="dates"><span>?</span> – <span>?</span></td>
        <td class="num caps"><span><span class="muted">soft</span> unknown</span>
          <span><span class="muted">hard</span> 1,234,568 USD</span></td>
        <td class="num">0</td>
        <td class="num">—</td>
        <td>—</td>
        <td class="num">—</td>
        <td class="flags">—</td>
      </tr>"""  # noqa: E501
    assert row in content


SEARCH = {"kind": "ieo", "sort": "-score", "q": "project"}


def many_offerings(count: int) -> None:
    for _ in range(count):
        listed = offering(kind="ieo", venue=VenueFactory(), audited=True)
        assess(listed, "70", "B", "medium", flags=["issuer.unidentified", "team.anonymous"])


@pytest.mark.parametrize("count", [5, PAGE_SIZE + 10])
def test_the_page_and_the_fragment_have_a_fixed_query_count(analyst_client, count, page_queries):
    many_offerings(count)
    assert page_queries(analyst_client, LIST, SEARCH).count == PAGE_QUERIES
    assert page_queries(analyst_client, LIST, SEARCH, **HTMX).count == FRAGMENT_QUERIES
    by_venue = {**SEARCH, "venue": "nowhere"}
    assert page_queries(analyst_client, LIST, by_venue, **HTMX).count == FRAGMENT_QUERIES + 1


def test_public_browsing_opens_the_list_to_anonymous_visitors_without_export(
    client, settings, page_queries
):
    settings.OFFERWATCH_PUBLIC_BROWSING = True
    many_offerings(3)
    response = client.get(LIST)
    assert response.status_code == 200
    assert len(shown(response)) == 3
    assert "export.csv" not in response.content.decode()
    assert page_queries(client, LIST, SEARCH).count == PUBLIC_QUERIES


def test_without_public_browsing_anonymous_visitors_are_sent_to_sign_in(client, settings):
    settings.OFFERWATCH_PUBLIC_BROWSING = False
    response = client.get(LIST, {"kind": "ico"}, **HTMX)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_export_link_carries_the_current_filters(analyst_client):
    content = analyst_client.get(LIST, {"kind": "ido", "q": "", "page": "1"}).content.decode()
    assert 'href="/offerings/export.csv?kind=ido"' in content


def export_rows(response) -> tuple[list[str], list[dict[str, str]]]:
    assert response.streaming
    text = b"".join(response.streaming_content).decode()
    reader = csv.DictReader(io.StringIO(text))
    return reader.fieldnames, list(reader)


def test_the_export_streams_the_filtered_list_in_interchange_columns(analyst_client):
    for name in ["Gamma", "Alpha"]:
        full_offering(name=name, kind="ieo", venue=VenueFactory())
    offering(name="Left out", kind="ico")
    response = analyst_client.get(EXPORT, {"kind": "ieo", "sort": "name", "page": "3"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    filename = f"offerings-{timezone.localdate():%Y%m%d}.csv"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    header, rows = export_rows(response)
    assert header == EXPORT_ORDER
    assert [row["name"] for row in rows] == ["Alpha", "Gamma"]


def test_exported_cells_follow_the_interchange_csv_rules(analyst_client):
    full_offering(name="Helix Grid", kind="ieo", venue=VenueFactory(), description="two\nlines")
    assess(Offering.objects.get(), "45", "D", "high", flags=["issuer.unidentified"])
    _, rows = export_rows(analyst_client.get(EXPORT))
    expected = list(csv.DictReader(io.StringIO(render(assessed_export(), "csv"))))
    assert rows == expected


def test_the_export_ignores_a_bad_value_and_applies_the_rest(analyst_client):
    offering(name="Kept", country="SG")
    offering(name="Dropped", country="CH")
    _, rows = export_rows(analyst_client.get(EXPORT, {"country": "SG", "risk": "extreme"}))
    assert [row["name"] for row in rows] == ["Kept"]


@pytest.mark.parametrize("count", [3, 25])
def test_the_export_query_count_does_not_grow_with_the_rows(analyst_client, count):
    for _ in range(count):
        full_offering(venue=VenueFactory(), kind="ieo")
    with CaptureQueriesContext(connection) as captured:
        _, rows = export_rows(analyst_client.get(EXPORT))
    assert len(rows) == count
    assert len(captured) == EXPORT_QUERIES


@pytest.mark.parametrize("public", [False, True])
def test_anonymous_visitors_cannot_export_even_with_public_browsing(client, settings, public):
    settings.OFFERWATCH_PUBLIC_BROWSING = public
    offering(name="Secret")
    response = client.get(EXPORT)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_the_list_and_export_only_answer_get(analyst_client):
    assert analyst_client.post(LIST).status_code == 405
    assert analyst_client.post(EXPORT).status_code == 405
