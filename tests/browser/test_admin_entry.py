"""The admin's data entry and browser import, in Chromium: amounts typed three ways and backers
one per line with the score shown after the save; a dry run's errors by line; the progress bar
of a real import reaching 100% by htmx polling."""

from __future__ import annotations

import json

import pytest

from offerings.models import ImportRun, Offering
from tests.browser.test_csp_pages import _session_of
from tests.factories import UserFactory
from tests.offerings.test_import import good

pytestmark = pytest.mark.browser

expect = pytest.importorskip(
    "playwright.sync_api", reason="Playwright for Python is not installed (pip install --group dev)"
).expect


@pytest.fixture
def staff_page(page, live_server, transactional_db):
    staff = UserFactory(username="clerk", is_staff=True, is_superuser=True)
    _session_of(page, live_server, staff, verified=True)
    return page


def _file(records: list) -> dict:
    body = "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)
    return {"name": "research.jsonl", "mimeType": "application/x-ndjson", "buffer": body.encode()}


def test_an_offering_typed_by_hand_shows_its_score_after_the_save(staff_page, screenshot):
    page = staff_page
    page.goto("/admin/offerings/offering/add/")
    page.locator("#id_name").press_sequentially("Kestrel Pay")
    page.select_option("#id_kind", "ico")
    page.locator("#id_cap_currency").fill("USD")
    page.locator("#id_soft_cap").fill("2e6")
    page.locator("#id_hard_cap").fill("20,000,000")
    page.locator("#id_raised_usd").fill("1 250 000")
    page.locator("#id_backers").fill("Granite Ventures\nNorthwind Capital\n")
    page.locator("#id_restricted_countries").fill("United States\nNorth Korea")
    page.locator("input[name=_save]").click()
    panel = page.locator("#score-panel")
    expect(panel).to_contain_text("Score")
    expect(panel).to_contain_text("grade")
    expect(panel).to_contain_text("risk")
    expect(panel).to_contain_text("The first assessment of this offering.")
    expect(page.locator("#id_hard_cap")).to_have_value("20,000,000")
    expect(page.locator("#id_soft_cap")).to_have_value("2,000,000")
    screenshot(page, "admin-score-after-save")
    offering = Offering.objects.get(slug="kestrel-pay")
    assert (str(offering.soft_cap), str(offering.hard_cap), str(offering.raised_usd)) == (
        "2000000.000000000000000000",
        "20000000.000000000000000000",
        "1250000.000000000000000000",
    )
    assert offering.backers == ["Granite Ventures", "Northwind Capital"]
    assert offering.restricted_countries == ["US", "KP"]
    assert offering.assessments.filter(is_current=True).exists()


def test_a_dry_run_shows_each_bad_row_by_line(staff_page, screenshot):
    page = staff_page
    page.goto("/admin/offerings/offering/")
    page.get_by_role("link", name="Import a file").click()
    page.set_input_files("#id_file", _file([good(1), {**good(2), "kind": "xyz"}, "{not json"]))
    page.get_by_role("button", name="Start the dry run").click()
    errors = page.locator("#import-errors tbody tr")
    expect(errors).to_have_count(2)
    expect(errors.nth(0)).to_contain_text("2")
    expect(errors.nth(0)).to_contain_text("kind")
    expect(errors.nth(0)).to_contain_text("xyz")
    expect(errors.nth(0)).to_contain_text("must be one of")
    expect(errors.nth(1)).to_contain_text("3")
    expect(errors.nth(1)).to_contain_text("not JSON")
    expect(page.locator("#import-progress")).to_have_attribute("value", "100")
    expect(page.get_by_role("button", name="Import for real")).to_have_count(0)
    screenshot(page, "admin-import-dry-run")
    assert not Offering.objects.exists()


def test_the_real_import_shows_its_progress_bar_reaching_100(staff_page, monkeypatch, screenshot):
    from offerings.import_runs import import_run_execute
    from offerings.tasks import import_offerings_run

    page = staff_page
    page.goto("/admin/offerings/offering/import/")
    page.set_input_files("#id_file", _file([good(n) for n in range(1, 6)]))
    page.get_by_role("button", name="Start the dry run").click()
    expect(page.locator(".import-summary")).to_contain_text("rejected")
    # From here on a worker takes the task: the page shows it queued and polls its progress.
    queued: list[int] = []
    monkeypatch.setattr(import_offerings_run, "delay", queued.append)
    page.get_by_role("button", name="Import for real").click()
    bar = page.locator("#import-progress")
    expect(bar).to_have_attribute("value", "0")
    expect(page.locator("#import-status")).to_contain_text("queued")
    assert len(queued) == 1
    import_run_execute(run_id=queued[0])  # the worker runs it
    expect(bar).to_have_attribute("value", "100")
    expect(page.locator(".import-percent")).to_have_text("100%")
    expect(page.locator("#import-status")).to_contain_text("Imported")
    expect(page.get_by_role("link", name="Download the report (JSON)")).to_be_visible()
    screenshot(page, "admin-import-done")
    assert Offering.objects.count() == 5
    assert ImportRun.objects.get(pk=queued[0]).report["created"] == 5


def test_the_changelist_fits_1366_pixels_with_the_assessment_visible(
    staff_page, offerings, screenshot
):
    page = staff_page
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto("/admin/offerings/offering/")
    for column in ["kind_short", "score_shown", "grade_shown", "risk_shown", "coverage_shown"]:
        expect(page.locator(f"th.column-{column}")).to_be_in_viewport()
    expect(page.locator("abbr[title='IEO — initial exchange offering']")).to_have_text("IEO")
    overflow = page.evaluate(
        "() => document.querySelector('#result_list').getBoundingClientRect().right"
    )
    screenshot(page, "admin-changelist-1366")
    assert overflow <= 1366, f"the list ends at {overflow}px"
