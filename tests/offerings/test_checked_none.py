""" "Checked, none exist" apart from "not recorded" (issue 11, item 1): interchange v2 files,
the importer, the services, the admin, the analyst page and the facts the rules read."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from diligence.facts import facts_for
from diligence.selectors import assessed_export
from offerings.importing import SourceRow, offerings_import
from offerings.models import Absence, Offering
from offerings.services import absence_clear, absence_record, absences_set
from offerings.signals import offerings_changed
from tests.factories import AuditFactory, OfferingFactory, UserFactory, full_offering

pytestmark = pytest.mark.django_db

PARTS = ("audits", "team", "allocations", "rounds")
ALL_NONE = {
    "interchange_version": 2,
    **{part: [] for part in PARTS},
    "backers": [],
    "socials": {},
    "code_public": False,
}
NOT_RECORDED = {
    "interchange_version": 2,
    **dict.fromkeys(PARTS),
    "backers": None,
    "socials": None,
    "code_public": None,
}


def run_import(*records: dict, **kwargs):
    rows = [SourceRow(number, record) for number, record in enumerate(records, start=1)]
    report = offerings_import(rows=rows, **kwargs)
    assert report.errors == []
    return report


def record_of(slug: str) -> dict:
    return next(r for r in assessed_export() if r["slug"] == slug)


def checked(slug: str) -> set[str]:
    return set(Absence.objects.filter(offering__slug=slug).values_list("part", flat=True))


def named(slug: str, **values) -> dict:
    return {"name": slug.title(), "slug": slug, "kind": "ico", **values}


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def signals():
    sent: list[list[int]] = []

    def receive(sender, offering_ids, **kwargs):
        sent.append(sorted(offering_ids))

    offerings_changed.connect(receive, dispatch_uid="test-checked-none")
    yield sent
    offerings_changed.disconnect(dispatch_uid="test-checked-none")


# ---- interchange v2 and the importer ------------------------------------------------------


def test_v2_empty_lists_record_checked_none_and_null_records_nothing():
    run_import(named("none", **ALL_NONE), named("unknown", **NOT_RECORDED))

    assert checked("none") == {"audits", "team", "allocations", "rounds", "socials", "backers"}
    assert checked("unknown") == set()
    none, unknown = Offering.objects.get(slug="none"), Offering.objects.get(slug="unknown")
    assert (none.backers, none.code_public) == ([], False)
    assert (unknown.backers, unknown.code_public) == (None, None)
    exported = record_of("none")
    assert {key: exported[key] for key in ALL_NONE} == ALL_NONE
    exported = record_of("unknown")
    assert {key: exported[key] for key in NOT_RECORDED} == NOT_RECORDED


def test_a_v1_record_keeps_reading_empty_lists_as_not_recorded():
    v1 = {key: value for key, value in ALL_NONE.items() if key != "interchange_version"}
    run_import(named("old", **v1))

    assert checked("old") == set()
    offering = Offering.objects.get(slug="old")
    assert offering.backers is None
    assert record_of("old")["audits"] is None


def test_a_record_with_an_unknown_version_is_refused():
    report = offerings_import(rows=[SourceRow(1, named("x", interchange_version=3))])
    assert [(p.field, p.value, p.message) for p in report.errors] == [
        ("interchange_version", 3, "must be one of 1, 2")
    ]


def test_the_import_records_who_and_where_and_a_re_import_keeps_them(signals):
    analyst = UserFactory(username="importer")
    run_import(
        named("a", audits=[], interchange_version=2), user=analyst, change_reason="import f.jsonl"
    )
    absence = Absence.objects.get(offering__slug="a")
    assert (absence.part, absence.checked_by, absence.source) == (
        "audits",
        analyst,
        "import f.jsonl",
    )
    first_checked = absence.checked_at

    report = run_import(record_of("a"), change_reason="import g.jsonl")

    assert report.unchanged == 1
    absence.refresh_from_db()
    assert (absence.checked_at, absence.source) == (first_checked, "import f.jsonl")


def test_recording_entries_for_a_part_drops_its_checked_none_in_the_same_import():
    run_import(named("a", audits=[], socials={}, backers=[], interchange_version=2))

    report = run_import(
        named(
            "a",
            audits=[{"auditor": "Bastion"}],
            backers=["Acme"],
            socials={"twitter": "https://x.example/a"},
            interchange_version=2,
        )
    )

    assert report.updated == 1
    assert checked("a") == set()
    assert Offering.objects.get(slug="a").backers == ["Acme"]


def test_null_turns_a_checked_none_back_into_not_recorded_and_a_missing_key_keeps_it():
    run_import(named("a", audits=[], rounds=[], interchange_version=2))

    run_import(named("a", audits=None, interchange_version=2))

    assert checked("a") == {"rounds"}
    assert record_of("a")["audits"] is None


def test_checked_none_replaces_the_entries_an_update_says_are_gone():
    offering = full_offering(slug="had-audits")
    run_import({"slug": "had-audits", "audits": [], "interchange_version": 2})

    assert not offering.audits.exists()
    assert checked("had-audits") == {"audits"}


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_export_import_export_is_identical_with_checked_none_and_not_recorded(fmt, tmp_path):
    run_import(named("checked", **ALL_NONE), named("blank", **NOT_RECORDED))
    full_offering(slug="full", backers=["Acme"], code_public=True)
    first = _export(fmt, tmp_path / f"first.{fmt}")
    Offering.objects.all().delete()

    call_command(
        "import_offerings", str(tmp_path / f"first.{fmt}"), "--no-progress", stdout=io.StringIO()
    )
    second = _export(fmt, tmp_path / f"second.{fmt}")

    assert second == first
    assert checked("checked") == {"audits", "team", "allocations", "rounds", "socials", "backers"}
    assert checked("blank") == checked("full") == set()
    if fmt == "csv":
        assert b",[],[],[],[],{}," in first, "checked, none is [] / {} in its CSV cell"


def _export(fmt: str, path: Path) -> bytes:
    call_command("export_offerings", "--format", fmt, "--output", str(path), stderr=io.StringIO())
    return path.read_bytes()


def test_an_empty_csv_cell_is_not_recorded_and_a_bracket_pair_is_checked_none(tmp_path):
    path = tmp_path / "parts.csv"
    path.write_text(
        "interchange_version,name,slug,kind,backers,audits,socials\n"
        "2,None Co,none-co,ico,[],[],{}\n"
        "2,Blank Co,blank-co,ico,,,\n"
    )
    call_command("import_offerings", str(path), "--no-progress", stdout=io.StringIO())

    assert checked("none-co") == {"backers", "audits", "socials"}
    assert checked("blank-co") == set()
    assert Offering.objects.get(slug="blank-co").backers is None


# ---- the services -------------------------------------------------------------------------


def test_absence_record_says_who_when_and_where_and_queues_the_rescore(signals):
    offering = OfferingFactory()
    analyst = UserFactory(username="ada")

    absence = absence_record(offering=offering, part="audits", user=analyst, source="analyst page")

    assert (absence.checked_by, absence.source) == (analyst, "analyst page")
    assert absence.checked_at is not None
    assert signals == [[offering.pk]]
    assert absence.history.get().history_user == analyst


def test_absence_record_is_refused_while_the_part_has_entries():
    offering = OfferingFactory()
    AuditFactory(offering=offering)

    with pytest.raises(ValidationError) as error:
        absence_record(offering=offering, part="audits", source="admin")

    assert "audits has 1 recorded" in str(error.value)
    assert not Absence.objects.exists()


def test_backers_checked_none_is_an_empty_list_and_clearing_it_is_not_recorded():
    offering = OfferingFactory(backers=None)

    absence_record(offering=offering, part="backers", source="admin")
    offering.refresh_from_db()
    assert offering.backers == []

    assert absence_clear(offering=offering, part="backers", source="admin") is True
    offering.refresh_from_db()
    assert offering.backers is None
    assert not Absence.objects.exists()


def test_absences_set_refuses_parts_with_entries_and_keeps_who_checked_the_others():
    offering = OfferingFactory()
    AuditFactory(offering=offering)
    first = absence_record(offering=offering, part="team", source="analyst page")

    refused = absences_set(offering=offering, parts={"team", "audits", "rounds"}, source="admin")

    assert refused == ["audits"]
    assert checked(offering.slug) == {"team", "rounds"}
    assert Absence.objects.get(part="team").checked_at == first.checked_at


# ---- the admin ----------------------------------------------------------------------------


def test_the_admin_records_checked_none_with_the_staff_user(staff_client, staff):
    offering = OfferingFactory()
    url = reverse("admin:offerings_offering_change", args=[offering.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data.update(
        restricted_countries="",
        checked_none=["audits", "socials"],
        **_empty_inlines(),
    )

    response = staff_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    absences = {a.part: a for a in Absence.objects.filter(offering=offering)}
    assert set(absences) == {"audits", "socials"}
    assert absences["audits"].checked_by == staff
    assert absences["audits"].source == "admin"
    page = staff_client.get(url).content.decode()
    assert f"Audits: checked, none — by {staff.username}" in page


def _empty_inlines() -> dict:
    prefixes = ["team", "allocations", "rounds", "audits", "documents"]
    return {
        f"{prefix}-{suffix}": value
        for prefix in prefixes
        for suffix, value in (("TOTAL_FORMS", "0"), ("INITIAL_FORMS", "0"))
    }


# ---- the analyst page ---------------------------------------------------------------------


def test_the_detail_page_tells_checked_none_from_not_recorded(analyst_client, analyst):
    offering = OfferingFactory(code_public=False)
    absence_record(offering=offering, part="audits", user=analyst, source="analyst page")

    page = analyst_client.get(reverse("offerings:detail", args=[offering.slug])).content.decode()

    today = dt.date.today().isoformat()
    assert f"<strong>No audit</strong> — checked by {analyst.username} on" in page
    assert today in page
    assert "Team: not recorded" in page
    assert "Backers: not recorded" in page
    assert "<strong>No public code</strong>" in page


def test_an_analyst_records_and_clears_checked_none_from_the_page(analyst_client, analyst):
    offering = OfferingFactory()
    url = reverse("offerings:checked_none", args=[offering.slug])

    response = analyst_client.post(url, {"part": "rounds", "action": "record"})

    assert response.status_code == 302
    absence = Absence.objects.get(offering=offering)
    assert (absence.part, absence.checked_by, absence.source) == ("rounds", analyst, "analyst page")
    analyst_client.post(url, {"part": "rounds", "action": "clear"})
    assert not Absence.objects.exists()


def test_the_htmx_form_gets_back_only_its_part(analyst_client, analyst):
    offering = OfferingFactory()
    url = reverse("offerings:checked_none", args=[offering.slug])

    response = analyst_client.post(
        url, {"part": "team", "action": "record"}, HTTP_HX_REQUEST="true"
    )

    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div class="part-checked" id="checked-team">')
    assert f"No team members listed</strong> — checked by {analyst.username}" in fragment
    assert "Clear “checked, none”" in fragment


def test_a_contradicting_record_is_explained_not_saved(analyst_client):
    offering = OfferingFactory()
    AuditFactory(offering=offering)
    url = reverse("offerings:checked_none", args=[offering.slug])

    response = analyst_client.post(url, {"part": "audits", "action": "record"}, follow=True)

    assert "audits has 1 recorded" in response.content.decode()
    assert not Absence.objects.exists()


def test_visitors_who_are_not_signed_in_cannot_record_checked_none(client):
    offering = OfferingFactory()
    url = reverse("offerings:checked_none", args=[offering.slug])

    response = client.post(url, {"part": "audits", "action": "record"})

    assert response.status_code == 302 and "login" in response["Location"]
    assert not Absence.objects.exists()


def test_an_unknown_part_is_a_bad_request(analyst_client):
    offering = OfferingFactory()
    url = reverse("offerings:checked_none", args=[offering.slug])

    response = analyst_client.post(url, {"part": "code", "action": "record"})

    assert response.status_code == 400


# ---- the facts the rules read and the migration ------------------------------------------


def test_facts_are_none_when_not_recorded_and_empty_when_checked_none():
    run_import(named("none", **ALL_NONE), named("blank", **NOT_RECORDED))
    facts = {f.name: f for f in facts_for(Offering.objects.all(), today=dt.date(2026, 6, 1))}

    none, blank = facts["None"], facts["Blank"]
    assert (none.audits, none.team, none.allocations, none.rounds) == (0, (), (), ())
    assert (none.socials, none.backers, none.code_public) == (frozenset(), (), False)
    assert (blank.audits, blank.team, blank.allocations, blank.rounds) == (None,) * 4
    assert (blank.socials, blank.backers, blank.code_public) == (None, None, None)


def test_the_migration_turns_empty_backer_lists_into_not_recorded():
    from importlib import import_module

    migration = import_module("offerings.migrations.0011_checked_none_absences")
    empty = OfferingFactory(backers=[])
    named_backers = OfferingFactory(backers=["Acme"])

    migration.backers_unrecorded(apps, None)

    empty.refresh_from_db()
    named_backers.refresh_from_db()
    assert (empty.backers, named_backers.backers) == (None, ["Acme"])
    assert not Absence.objects.exists()


def test_the_exported_record_declares_its_version():
    OfferingFactory()
    (record,) = assessed_export()
    assert next(iter(record)) == "interchange_version"
    assert record["interchange_version"] == 2
    assert json.loads(json.dumps(record))["interchange_version"] == 2
