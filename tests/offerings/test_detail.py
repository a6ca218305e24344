from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.html import escape

from analyst.models import Watch
from analyst.views.detail import allocation_chart, lockup_text, vesting_chart
from diligence.models import Assessment, FindingReview
from diligence.rescoring import assessments_refresh
from diligence.rules import CATEGORIES, RULES
from diligence.services import finding_review_create
from offerings.services import offering_update
from offerings.unlock_events import unlock_events_refresh
from tests.factories import (
    AuditFactory,
    DocumentFactory,
    OfferingFactory,
    SaleRoundFactory,
    TeamMemberFactory,
    TokenAllocationFactory,
    UserFactory,
    VenueFactory,
    full_offering,
)

pytestmark = pytest.mark.django_db

NOTE = "checked the company register by hand: entry found"
# Session, user, the offering (venue, workflow and watch flag joined), then team, allocations,
# rounds, audits, socials, "checked, none" records (with who checked), documents, market
# summary, listings and outcomes, one query each, its assessments, its frozen as-of-sale-end
# assessment, its change history, the header's unread-notification count, and its unlock
# events (one query for the supply chart, the event table and the schedules' sources).
# +1 since roles: the signed-in user's permissions, read once per request (accounts.backends),
# which also say whether the analyst may record outcomes.
# +1 since public records (issue 16): the offering's record matches (the EDGAR filing check is
# joined to the offering; sanctioned addresses cost one more once a contract address exists).
# +2 since copied whitepapers: the offering's entry in the whitepaper index and its matches
# (the export's PREFETCH; when indexed, one more for the later whitepapers sharing its passages:
# tests/offerings/test_whitepaper_copies.py).
# -1 since the permission cache: read once, then cached (conftest.page_queries: steady state).
# -1 since the user is kept between requests (accounts.auth_cache).
DETAIL_QUERIES = 20
# ... and, once assessed: the findings' reviews and the reviews gone stale, in one query (-1 since
# the findings are part of their assessment, read with it).
ASSESSED_DETAIL_QUERIES = DETAIL_QUERIES + 1


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


def detail_url(offering) -> str:
    return reverse("offerings:detail", args=[offering.slug])


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def shown(content: str, label: str) -> str:
    """The value the detail page shows for `label`, as text."""
    match = re.search(rf"<dt>{re.escape(label)}</dt><dd>(.*?)</dd>", content, re.S)
    assert match, f"no {label!r} on the page"
    return text(match.group(1))


def finding_html(content: str, code: str) -> str:
    match = re.search(rf'<details id="finding-{re.escape(code)}".*?</details>', content, re.S)
    assert match, f"no finding {code} on the page"
    return match.group(0)


def review(offering, author, capture, **kwargs):
    with capture(execute=True):
        return finding_review_create(offering=offering, author=author, note=NOTE, **kwargs)


# Access


def test_an_anonymous_visitor_is_sent_to_sign_in(client, settings):
    settings.OFFERWATCH_PUBLIC_BROWSING = False
    url = detail_url(OfferingFactory())
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={url}"


def test_public_browsing_shows_the_page_without_watch_review_or_workflow_controls(client, settings):
    settings.OFFERWATCH_PUBLIC_BROWSING = True
    offering = full_offering(name="Open Harbor")
    assessments_refresh()
    response = client.get(detail_url(offering))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Open Harbor" in content and "Score breakdown" in content
    assert reverse("offerings:watch", args=[offering.slug]) not in content
    assert reverse("diligence:review", args=[offering.slug]) not in content
    assert reverse("diligence:workflow", args=[offering.slug]) not in content


def test_an_unknown_offering_is_not_found(analyst_client):
    assert analyst_client.get(reverse("offerings:detail", args=["no-such-sale"])).status_code == 404


def test_the_page_only_answers_get(analyst_client):
    assert analyst_client.post(detail_url(OfferingFactory())).status_code == 405


# Sale terms and parts


def test_the_page_shows_the_offering_and_its_parts(analyst_client):
    offering = full_offering(venue=VenueFactory(name="Harbor Digital"), kind="ieo")
    DocumentFactory(offering=offering, title="Audit report", kind="audit_report")
    content = analyst_client.get(detail_url(offering)).content.decode()
    assert offering.name in content
    assert shown(content, "Venue") == "Harbor Digital"
    assert reverse("offerings:venue", args=[offering.venue.slug]) in content
    assert shown(content, "Soft cap") == "1,000,000 USD"
    assert shown(content, "Hard cap") == "5,000,000 USD"
    assert shown(content, "Token price") == "0.1 USD"
    assert shown(content, "Country") == "CH"
    for member in offering.team.all():
        assert (member.name or "(anonymous)") in content
    assert "Audit by Bastion Security" in content
    assert "Audit report" in content


def test_unknown_values_show_as_unknown_not_zero(analyst_client):
    offering = OfferingFactory(
        soft_cap=None,
        hard_cap=None,
        raised_usd=None,
        token_price_usd=None,
        refund_policy="",
        kyc="",
        country="",
        legal_entity="",
        start_date=None,
        end_date=None,
    )
    content = analyst_client.get(detail_url(offering)).content.decode()
    for label in [
        "Status",
        "Soft cap",
        "Hard cap",
        "Raised",
        "Token price",
        "KYC",
        "Country",
        "Legal entity",
        "Refund if soft cap missed",
    ]:
        assert shown(content, label) == "unknown", label
    for label in ("Team", "Sale rounds", "Token allocation", "Audits", "Backers", "Code"):
        assert f"{label}: not recorded" in content, label


def test_a_stated_zero_cap_is_told_from_an_unknown_one(analyst_client):
    offering = OfferingFactory(soft_cap=Decimal(0), hard_cap=Decimal(0), raised_usd=Decimal(0))
    content = analyst_client.get(detail_url(offering)).content.decode()
    assert shown(content, "Soft cap") == "none"
    assert shown(content, "Hard cap") == "none"
    assert shown(content, "Raised") == "0 USD"


def test_restricted_countries_are_named_and_rounds_show_price_and_discount(analyst_client):
    offering = OfferingFactory(restricted_countries=["US", "KP"])
    SaleRoundFactory(offering=offering, price_usd=Decimal("0.000012"), discount_percent=35)
    content = analyst_client.get(detail_url(offering)).content.decode()
    assert shown(content, "Restricted countries").startswith("United States (US), Korea")
    assert "(KP)" in shown(content, "Restricted countries")
    row = text(re.search(r"<td>Presale</td>.*?</tr>", content, re.S).group(0))
    assert "0.000012" in row and "35%" in row


def test_the_team_is_marked_for_anonymity_and_experience(analyst_client):
    offering = OfferingFactory()
    TeamMemberFactory(offering=offering, name="Ada Byte", experienced=True)
    TeamMemberFactory(offering=offering, name="Bo Nobody", experienced=False)
    TeamMemberFactory(offering=offering, name="", anonymous=True, experienced=None)
    team = text(
        re.search(
            r'<ul class="team">.*?</ul>',
            analyst_client.get(detail_url(offering)).content.decode(),
            re.S,
        ).group(0)
    )
    assert "Ada Byte — CTO experienced" in team
    assert "Bo Nobody — CTO no relevant experience" in team
    assert "Anonymous (anonymous) — CTO experience unknown" in team


def test_market_and_listings_say_their_data_is_not_available_yet(analyst_client):
    content = analyst_client.get(detail_url(OfferingFactory())).content.decode()
    assert "Market data is not available yet" in content
    assert "Listing data is not available yet" in content


# Allocation and vesting chart


def test_the_allocation_chart_is_an_svg_with_a_table_of_the_same_figures(analyst_client):
    offering = OfferingFactory()
    TokenAllocationFactory(offering=offering, bucket="public_sale", percent=Decimal("40"))
    TokenAllocationFactory(offering=offering, bucket="team", percent=Decimal("15"))
    content = analyst_client.get(detail_url(offering)).content.decode()
    chart = re.search(r'<section id="allocation".*?</section>', content, re.S).group(0)
    assert '<svg viewBox="0 0 360 44" role="img"' in chart
    assert "Public sale 40%" in chart  # wide enough to carry its name
    table = text(re.search(r'<table class="grid allocation">.*?</table>', chart, re.S).group(0))
    assert "Public sale 40% no vesting" not in table
    assert "Team 15% vests over 24 months, 6-month cliff" in table
    assert "Not accounted for 45%" in table


def test_allocation_slices_follow_each_other_and_small_ones_carry_no_text():
    allocations = [
        TokenAllocationFactory.build(bucket="public_sale", percent=Decimal("50")),
        TokenAllocationFactory.build(bucket="advisors", percent=Decimal("2")),
    ]
    public, advisors, rest = allocation_chart(allocations)
    assert (public.x, public.width, public.text) == (0, 180, "Public sale 50%")
    assert (advisors.x, advisors.width, advisors.text) == (180, 7.2, "")
    assert (rest.bucket, rest.percent, rest.x) == ("unallocated", Decimal(48), 187.2)
    assert allocation_chart([]) == []


def test_vesting_bars_share_one_time_axis_of_at_least_a_year():
    allocations = [
        TokenAllocationFactory.build(bucket="team", vesting_months=36, cliff_months=12),
        TokenAllocationFactory.build(bucket="public_sale", vesting_months=None, cliff_months=None),
    ]
    chart = vesting_chart(allocations)
    team, public = chart["bars"]
    assert chart["span"] == 36 and [months for _, months in chart["ticks"]] == [0, 18, 36]
    assert (team.cliff_width, team.vesting_width, team.lockup) == (120, 360, "36 mo, cliff 12")
    assert (public.vesting_width, public.lockup, public.y) == (0, "not stated", 36)
    assert vesting_chart([])["span"] == 12


@pytest.mark.parametrize(
    ("vesting", "cliff", "expected"),
    [
        (None, None, "vesting not stated"),
        (0, None, "no vesting: unlocked at launch"),
        (24, 6, "vests over 24 months, 6-month cliff"),
        (24, 0, "vests over 24 months, no cliff"),
        (24, None, "vests over 24 months, cliff not stated"),
    ],
)
def test_lockups_are_described_in_words(vesting, cliff, expected):
    assert lockup_text(vesting, cliff) == expected


# The score breakdown


def test_every_rule_is_shown_by_category_with_outcome_evidence_points_and_rationale_link(
    analyst_client,
):
    offering = full_offering()
    assessments_refresh()
    content = analyst_client.get(detail_url(offering)).content.decode()
    findings = Assessment.objects.get(offering=offering).findings
    assert len(findings) == len(RULES)
    for finding in findings:
        html = finding_html(content, finding.rule_code)
        rule = RULES[finding.rule_code]
        summary = text(re.search(r"<summary>.*?</summary>", html, re.S).group(0))
        assert summary.startswith(f"{finding.get_outcome_display()} {rule.title}")
        cost = f"−{finding.points} points" if finding.points else "0 points"
        assert f"{finding.rule_code} {cost}" in summary
        assert text(escape(finding.evidence)) in summary
        assert escape(rule.rationale) in html
        assert f'href="{reverse("diligence:methodology")}#{finding.rule_code}"' in html
        assert f"outcome-{finding.outcome}" in html
    headings = re.findall(r"<h4>(.*?)</h4>", content)
    assert headings == [title for title in CATEGORIES.values() if title in headings]
    assert len(headings) > 3


def test_an_override_shows_the_automatic_outcome_and_who_overrode_it_when_and_why(
    analyst_client, analyst, django_capture_on_commit_callbacks
):
    offering = full_offering(kyc="not_required")
    assessments_refresh()
    reviewer = UserFactory(username="reviewer")
    review(
        offering,
        reviewer,
        django_capture_on_commit_callbacks,
        rule_code="kyc.absent",
        verdict="overturn",
        outcome="pass",
    )
    content = analyst_client.get(detail_url(offering)).content.decode()
    html = text(finding_html(content, "kyc.absent"))
    assert html.startswith("Pass")
    assert "Analyst override (automatic: Red flag)" in html
    assert "automatic outcome Red flag, overridden to Pass by reviewer on" in html
    assert NOTE in html
    assert "Confirmed by an analyst" not in content


def test_a_review_whose_facts_changed_is_marked_for_re_review(
    analyst_client, analyst, django_capture_on_commit_callbacks
):
    offering = full_offering(kyc="not_required")
    assessments_refresh()
    review(
        offering,
        analyst,
        django_capture_on_commit_callbacks,
        rule_code="kyc.absent",
        verdict="overturn",
        outcome="pass",
    )
    with django_capture_on_commit_callbacks(execute=True):
        offering_update(offering=offering, record={"kyc": "unspecified"})
    assessments_refresh()
    assert FindingReview.objects.get().state == FindingReview.State.NEEDS_REREVIEW
    html = text(
        finding_html(analyst_client.get(detail_url(offering)).content.decode(), "kyc.absent")
    )
    assert "Needs re-review" in html
    assert "no longer applies" in html and NOTE in html


def test_changes_since_the_previous_assessment_are_listed(
    analyst_client, django_capture_on_commit_callbacks
):
    offering = full_offering(kyc="required")
    assessments_refresh()
    content = analyst_client.get(detail_url(offering)).content.decode()
    assert "This is the first assessment." in content
    with django_capture_on_commit_callbacks(execute=True):
        offering_update(offering=offering, record={"kyc": "not_required"})
    assessments_refresh()
    content = analyst_client.get(detail_url(offering)).content.decode()
    changes = text(re.search(r'<ul class="changes">.*?</ul>', content, re.S).group(0))
    assert "kyc.absent : pass → flag — now “KYC: not required of buyers”" in changes
    assert "Score history" in content


def test_an_unassessed_offering_says_so(analyst_client):
    content = analyst_client.get(detail_url(OfferingFactory())).content.decode()
    assert "Not assessed yet" in content


# Watch, workflow and history


def test_the_watch_button_shows_whether_the_analyst_watches_the_offering(analyst_client, analyst):
    offering = OfferingFactory()
    response = analyst_client.get(detail_url(offering))
    assert 'aria-pressed="false"' in response.content.decode()
    Watch.objects.create(user=analyst, offering=offering)
    other = UserFactory()
    Watch.objects.create(user=other, offering=OfferingFactory())
    assert 'aria-pressed="true"' in analyst_client.get(detail_url(offering)).content.decode()


def test_the_workflow_state_and_the_next_step_are_shown(analyst_client):
    content = analyst_client.get(detail_url(OfferingFactory())).content.decode()
    workflow = re.search(r'<section id="workflow".*?</section>', content, re.S).group(0)
    assert "State: Draft" in text(workflow)
    assert 'value="submit"' in workflow and 'value="approve"' not in workflow


def test_the_change_history_says_who_changed_which_fields_and_when(
    analyst_client, analyst, django_capture_on_commit_callbacks
):
    offering = OfferingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        offering_update(
            offering=offering, record={"hard_cap": "9000000", "kyc": "not_required"}, user=analyst
        )
    content = analyst_client.get(detail_url(offering)).content.decode()
    history = text(re.search(r'<section id="history".*?</section>', content, re.S).group(0))
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d analyst hard cap, KYC — updated", history)
    assert "import or system created" in history
    assert "updated at" not in history


# Query counts


def add_parts(offering, count: int) -> None:
    TeamMemberFactory.create_batch(count, offering=offering)
    TokenAllocationFactory.create_batch(count, offering=offering, percent=Decimal(1))
    SaleRoundFactory.create_batch(count, offering=offering)
    AuditFactory.create_batch(count, offering=offering)
    DocumentFactory.create_batch(count, offering=offering, title="")
    unlock_events_refresh(offering_ids=[offering.pk])


def test_the_query_count_is_pinned_and_independent_of_the_number_of_parts(
    analyst_client, page_queries
):
    few = OfferingFactory(kind="ieo", venue=VenueFactory())
    add_parts(few, 1)
    many = OfferingFactory(kind="ieo", venue=VenueFactory())
    add_parts(many, 12)
    for _ in range(25):
        many.description += "."
        many.save()
    assert page_queries(analyst_client, detail_url(few)).count == DETAIL_QUERIES
    assert page_queries(analyst_client, detail_url(many)).count == DETAIL_QUERIES


def test_an_assessed_page_has_a_pinned_query_count_whatever_its_findings_and_reviews(
    analyst_client,
    analyst,
    django_capture_on_commit_callbacks,
    page_queries,
):
    few = full_offering()
    many = full_offering(kyc="not_required")
    add_parts(many, 8)
    assessments_refresh()
    for index in range(3):
        review(
            many,
            analyst,
            django_capture_on_commit_callbacks,
            rule_code=f"extra-{index}",
            verdict="manual",
            outcome="flag",
            title=f"Extra finding {index}",
            severity="low",
        )
    review(
        many,
        analyst,
        django_capture_on_commit_callbacks,
        rule_code="kyc.absent",
        verdict="overturn",
        outcome="pass",
    )
    for _ in range(22):
        assessments_refresh(offerings=type(many).objects.filter(pk=many.pk), force=True)
    assessments_refresh(force=True)
    assert Assessment.objects.filter(offering=many).count() > 25
    assert page_queries(analyst_client, detail_url(few)).count == ASSESSED_DETAIL_QUERIES
    assert page_queries(analyst_client, detail_url(many)).count == ASSESSED_DETAIL_QUERIES


def test_public_visitors_cost_no_session_user_or_notification_queries(
    client, settings, page_queries
):
    settings.OFFERWATCH_PUBLIC_BROWSING = True
    offering = full_offering()
    assessments_refresh()

    # No session or notifications (a signed-in user and their permissions are kept), and none
    # of the team's change history or reviews, stale or not (the visibility model).
    assert page_queries(client, detail_url(offering)).count == ASSESSED_DETAIL_QUERIES - 4
