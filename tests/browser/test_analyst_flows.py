"""An analyst's day in a real browser: sign in, filter, read the evidence, compare, watch,
review and export. Each test starts signed in through the real form, on three scored offerings."""

from __future__ import annotations

import csv
import io
import re

import pytest

from analyst.models import Watch
from analyst.notifications import notifications_for
from diligence.changes import AssessmentChange
from diligence.models import Assessment, Finding, FindingReview
from diligence.rules import RULES

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install --group dev)"
).expect


def results_rows(page):
    return page.locator("#results tbody tr")


def fragment_request(response) -> bool:
    """An htmx request for the list's table fragment."""
    return "/offerings/" in response.url and response.request.headers.get("hx-request") == "true"


def mark_page(page) -> None:
    """Leave a mark in the window: it survives an htmx swap, not a full page load."""
    page.evaluate("window.offerwatchMark = 'still here'")


def page_was_not_reloaded(page) -> bool:
    return page.evaluate("window.offerwatchMark") == "still here"


def finding_region(page, finding):
    """The expandable <details> of one rule on the detail page (rule codes contain dots)."""
    return page.locator(f'details[id="finding-{finding.rule_code}"]')


def current_outcomes(offering) -> dict[str, str]:
    findings = Assessment.objects.current().get(offering=offering).findings
    return {finding.rule_code: finding.outcome for finding in findings}


def flagged_finding(offering) -> Finding:
    findings = Assessment.objects.current().get(offering=offering).findings  # heaviest first
    return next((f for f in findings if f.outcome == "flag" and f.evidence), None)


def test_an_analyst_signs_in_through_the_form(analyst_page, analyst):
    expect(analyst_page).to_have_url(re.compile(r"/offerings/$"))
    expect(analyst_page.get_by_role("button", name=f"Sign out {analyst.username}")).to_be_visible()


def test_a_wrong_password_keeps_the_visitor_out(page, analyst):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(analyst.username)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("did not match")
    page.goto("/watchlist/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/watchlist/"))


def test_filtering_the_list_swaps_the_table_and_updates_the_address(
    analyst_page, offerings, screenshot
):
    page = analyst_page
    page.goto("/offerings/")
    expect(results_rows(page)).to_have_count(3)
    screenshot(page, "list")
    mark_page(page)

    with page.expect_response(fragment_request) as fragment:
        page.get_by_label("Kind").select_option("ieo")
    assert fragment.value.ok
    assert "<html" not in fragment.value.text()  # only the table's fragment came back
    expect(results_rows(page)).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Umbra Link")
    expect(page).to_have_url(re.compile(r"[?&]kind=ieo"))
    assert page_was_not_reloaded(page)

    page.get_by_label("Kind").select_option("")
    expect(results_rows(page)).to_have_count(3)
    page.get_by_label("Search").press_sequentially("helix")
    expect(results_rows(page)).to_have_count(1)
    expect(page.locator("#results")).to_contain_text("Helix Grid")
    expect(page).to_have_url(re.compile(r"[?&]q=helix"))
    assert page_was_not_reloaded(page)

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"q=helix"))


def test_a_shared_filtered_address_opens_the_same_list(analyst_page, offerings):
    analyst_page.goto("/offerings/?kind=ieo")
    expect(results_rows(analyst_page)).to_have_count(1)
    expect(analyst_page.get_by_label("Kind")).to_have_value("ieo")


def test_an_analyst_opens_an_offering_and_expands_a_rules_evidence(
    analyst_page, offerings, screenshot
):
    page = analyst_page
    finding = flagged_finding(offerings["quartz-ledger"])
    rationale = RULES[finding.rule_code].rationale
    page.goto("/offerings/")
    page.get_by_role("link", name="Quartz Ledger").click()
    expect(page).to_have_url(re.compile(r"/offerings/quartz-ledger/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Quartz Ledger")
    screenshot(page, "detail")

    rule = finding_region(page, finding)
    expect(rule.locator("summary")).to_contain_text(finding.evidence)
    expect(rule.get_by_text(rationale)).to_be_hidden()
    rule.locator("summary").click()
    expect(rule).to_have_attribute("open", "")
    expect(rule.get_by_text(rationale)).to_be_visible()


def test_an_analyst_compares_two_offerings_rule_by_rule(analyst_page, offerings, screenshot):
    page = analyst_page
    helix, quartz = (current_outcomes(offerings[slug]) for slug in ("helix-grid", "quartz-ledger"))
    differing = sorted(code for code in helix if helix[code] != quartz.get(code))
    alike = sorted(code for code in helix if helix[code] == quartz.get(code))
    page.goto("/compare/?o=helix-grid&o=quartz-ledger")
    table = page.locator("table").first
    expect(table).to_contain_text("Helix Grid")
    expect(table).to_contain_text("Quartz Ledger")
    expect(page.locator("tr").filter(has_text=differing[0])).to_contain_text("differs")
    expect(page.locator("tr").filter(has_text=alike[0])).not_to_contain_text("differs")
    screenshot(page, "compare")


def test_an_analyst_stars_an_offering_and_finds_it_on_the_watchlist(
    analyst_page, offerings, analyst, screenshot
):
    page = analyst_page
    page.goto("/offerings/helix-grid/")
    mark_page(page)
    page.get_by_role("button", name="Watch", exact=True).click()
    unwatch = page.get_by_role("button", name="Unwatch", exact=True)
    expect(unwatch).to_have_attribute("aria-pressed", "true")
    assert page_was_not_reloaded(page)
    assert Watch.objects.filter(user=analyst, offering=offerings["helix-grid"]).exists()

    page.get_by_role("link", name="Watchlist").click()
    expect(page).to_have_url(re.compile(r"/watchlist/$"))
    row = page.locator("table.watchlist tbody tr").filter(has_text="Helix Grid")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("first assessment")
    screenshot(page, "watchlist")

    row.get_by_role("button", name="Unwatch").click()
    expect(row.get_by_role("button", name="Watch", exact=True)).to_have_attribute(
        "aria-pressed", "false"
    )
    assert not Watch.objects.filter(user=analyst).exists()


def test_an_analyst_overturns_a_finding_with_a_note(analyst_page, offerings):
    page = analyst_page
    finding = flagged_finding(offerings["quartz-ledger"])
    page.goto("/offerings/quartz-ledger/")
    finding_region(page, finding).locator("summary").click()
    mark_page(page)

    # Without a note the server refuses, and says so beside the note.
    finding_region(page, finding).get_by_label("Overturn to").select_option("pass")
    finding_region(page, finding).get_by_role("button", name="Overturn").click()
    note = finding_region(page, finding).get_by_label(re.compile(r"^Note"))
    expect(note).to_have_attribute("aria-invalid", "true")
    expect(finding_region(page, finding).locator(".error")).to_contain_text("note is required")

    note.fill("The issuer's registry entry was found by hand: Quartz Ledger AG, Zug.")
    finding_region(page, finding).get_by_label("Overturn to").select_option("pass")
    finding_region(page, finding).get_by_role("button", name="Overturn").click()
    rule = finding_region(page, finding)
    expect(rule.locator("summary")).to_contain_text("Analyst override")
    expect(rule).to_contain_text("registry entry was found by hand")
    assert page_was_not_reloaded(page)
    review = FindingReview.objects.get(offering=offerings["quartz-ledger"])
    assert (review.rule_code, review.verdict, review.outcome) == (
        finding.rule_code,
        "overturn",
        "pass",
    )


def test_an_analyst_exports_the_filtered_list_as_csv(analyst_page, offerings):
    page = analyst_page
    page.goto("/offerings/?kind=ieo")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile(r"as CSV", re.I)).click()
    content = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["name"] for row in rows] == ["Umbra Link"]
    assert download.value.suggested_filename.endswith(".csv")


def test_an_analyst_reads_a_notification_and_marks_all_read(analyst_page, offerings, analyst):
    page = analyst_page
    helix = offerings["helix-grid"]
    Watch.objects.create(user=analyst, offering=helix)
    notifications_for(
        [AssessmentChange(helix.pk, "Helix Grid", "medium", "high", (), ("roadmap.missing",))]
    )
    page.goto("/offerings/")
    page.get_by_role("link", name=re.compile(r"^Notifications")).click()
    expect(page.get_by_label("2 unread")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Risk of Helix Grid rose from medium to high")

    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_role("status")).to_contain_text("Marked 2 notifications read.")
    expect(page.get_by_label("2 unread")).to_have_count(0)

    page.get_by_role("link", name=re.compile(r"New red flag on Helix Grid: No roadmap")).click()
    expect(page).to_have_url(re.compile(r"/offerings/helix-grid/$"))


@pytest.mark.parametrize("path", ["/watchlist/", "/notifications/"])
def test_the_watchlist_and_notifications_fit_a_phone_screen(analyst_page, offerings, analyst, path):
    page = analyst_page
    Watch.objects.create(user=analyst, offering=offerings["helix-grid"])
    notifications_for(
        [AssessmentChange(offerings["helix-grid"].pk, "Helix Grid", "low", "critical", (), ())]
    )
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(path)
    expect(page.locator("main")).to_contain_text("Helix Grid")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than a 375px screen"


def test_an_analyst_records_that_an_offering_has_no_audit(analyst_page, offerings, analyst):
    from offerings.models import Absence

    page = analyst_page
    page.goto("/offerings/quartz-ledger/")
    mark_page(page)
    part = page.locator("#checked-audits")
    expect(part).to_contain_text("Audits: not recorded")

    part.get_by_role("button", name="Audits: checked, none exist").click()

    expect(page.locator("#checked-audits")).to_contain_text(
        f"No audit — checked by {analyst.username}"
    )
    assert page_was_not_reloaded(page)
    absence = Absence.objects.get(offering=offerings["quartz-ledger"])
    assert (absence.part, absence.checked_by, absence.source) == ("audits", analyst, "analyst page")

    page.locator("#checked-audits").get_by_role("button", name="Clear “checked, none”").click()
    expect(page.locator("#checked-audits")).to_contain_text("Audits: not recorded")
    assert not Absence.objects.exists()
