"""Records proposed for offerings: names collide, so nothing is linked until an analyst
decides; decisions keep who, when and why, and a rejection is final."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from records.matching import record_match_confirm, record_match_reject, record_matches_propose
from records.models import ListImport, PublicRecord, RecordMatch
from tests.factories import OfferingFactory, TeamMemberFactory, UserFactory
from tests.records.conftest import fixture

pytestmark = pytest.mark.django_db


def import_list(*args: str) -> str:
    out = StringIO()
    call_command("import_regulator_list", *args, stdout=out)
    return out.getvalue()


def test_two_projects_named_alike_both_stay_proposals(analyst):
    nova = OfferingFactory(
        name="Nova Chain", symbol="NOVA", website="https://novachain.io", legal_entity=""
    )
    other = OfferingFactory(
        name="Nova Chain", symbol="NVC", website="https://nova-chain.app", legal_entity=""
    )

    import_list("--format", "csv", str(_csv("Nova Chain", domains="novachain.io")))

    matches = {m.offering_id: m for m in RecordMatch.objects.all()}
    assert set(matches) == {nova.pk, other.pk}
    assert {m.state for m in matches.values()} == {"proposed"}
    # The shared web domain is more specific than the shared name.
    assert matches[nova.pk].method == "domain" and matches[nova.pk].score > matches[other.pk].score
    assert matches[other.pk].method == "name"
    assert "name 'Nova Chain'" in matches[other.pk].evidence


def _csv(name: str, *, domains: str = "", tokens: str = "", url: str = "https://sec.example/1"):
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as path:
        path.write("authority,kind,date,title,names,tokens,domains,url\n")
        path.write(f"SEC,action,2024-12-03,SEC v. {name},{name},{tokens},{domains},{url}\n")
    return path.name


def test_legal_entity_team_and_symbol_each_propose():
    entity = OfferingFactory(name="Alpha", legal_entity="Quantum Ledger GmbH", symbol="QLX")
    member = TeamMemberFactory(name="Jane Roe").offering
    symbol = OfferingFactory(name="Something Else", symbol="ZYV")

    import_list("--format", "csv", str(fixture("regulator_warnings.csv")))
    record_matches_propose(records=PublicRecord.objects.none())  # nothing to do: no error
    call_command("import_regulator_list", "--format", "csv", _csv("Jane Roe"), stdout=StringIO())

    methods = dict(RecordMatch.objects.values_list("offering_id", "method"))
    assert methods == {entity.pk: "legal_entity", member.pk: "team", symbol.pk: "symbol"}


def test_short_names_and_symbols_match_nothing_by_chance():
    OfferingFactory(name="AI", symbol="AI")
    import_list("--format", "csv", _csv("AI Labs", tokens="AI"))
    assert not RecordMatch.objects.exists()


def test_confirming_keeps_who_when_and_why_and_queues_a_rescore(
    analyst, django_capture_on_commit_callbacks, monkeypatch
):
    offering = OfferingFactory(name="Nova Chain")
    import_list("--format", "csv", _csv("Nova Chain"))
    match = RecordMatch.objects.get()
    queued = []
    monkeypatch.setattr(
        "diligence.queueing.rescore_enqueue", lambda offering_ids: queued.append(offering_ids)
    )

    record_match_confirm(match=match, user=analyst, note="same founders, same site")

    match.refresh_from_db()
    assert match.state == "confirmed" and match.decided_by == analyst
    assert match.decided_at is not None and match.note == "same founders, same site"
    trail = list(match.history.order_by("history_date").values_list("state", "history_user_id"))
    assert trail == [("confirmed", analyst.pk)]  # bulk-created proposals leave no row
    assert match.history.get().history_change_reason == "confirmed by analyst"
    assert queued and offering.pk in list(queued[-1])


def test_a_rejected_proposal_is_never_proposed_again(analyst):
    OfferingFactory(name="Nova Chain")
    import_list("--format", "csv", _csv("Nova Chain"))
    record_match_reject(match=RecordMatch.objects.get(), user=analyst, note="another Nova")

    out = import_list("--format", "csv", _csv("Nova Chain"))

    assert "0 matches proposed" in out
    assert list(RecordMatch.objects.values_list("state", flat=True)) == ["rejected"]
    with pytest.raises(ValidationError, match="is rejected, not proposed"):
        record_match_confirm(match=RecordMatch.objects.get(), user=analyst)


def test_deciding_needs_the_permission(viewer):
    OfferingFactory(name="Nova Chain")
    import_list("--format", "csv", _csv("Nova Chain"))
    match = RecordMatch.objects.get()

    for user in (viewer, UserFactory(), None):
        with pytest.raises(PermissionDenied, match=r"records\.decide_recordmatch"):
            record_match_reject(match=match, user=user)
    assert RecordMatch.objects.get().state == "proposed"


def test_a_second_import_updates_records_instead_of_duplicating():
    import_list("--format", "cftc-red", str(fixture("cftc_red.html")))
    out = import_list("--format", "cftc-red", str(fixture("cftc_red.html")))

    assert "2 records from cftc_red.html (0 new, 2 updated)" in out
    assert PublicRecord.objects.count() == 2
    assert ListImport.objects.filter(source="cftc_red").count() == 2


def test_a_bad_file_imports_nothing_and_says_why(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "authority,kind,title,url\nFCA,warning,Fine,https://fca.example/1\n"
        "FCA,alert,Broken,https://fca.example/2\n"
    )
    with pytest.raises(CommandError, match=r"row 3: kind \('alert'\) must be action or warning"):
        import_list("--format", "csv", str(bad))
    assert not PublicRecord.objects.exists() and not ListImport.objects.exists()


def test_offerings_added_after_an_import_are_matched_by_command():
    import_list("--format", "cftc-red", str(fixture("cftc_red.html")))
    late = OfferingFactory(name="Orbit", website="https://orbitprime-fx.com", legal_entity="")
    out = StringIO()

    call_command("match_records", "--offering", late.slug, stdout=out)
    call_command("match_records", stdout=out)

    assert out.getvalue().splitlines() == [
        "2 records against 1 offerings: 1 new proposals for review",
        "2 records against 1 offerings: 0 new proposals for review",
    ]
    assert RecordMatch.objects.get().method == "domain"
    with pytest.raises(CommandError, match="no such offering"):
        call_command("match_records", "--offering", "missing", stdout=out)


def test_staff_confirm_and_reject_in_the_admin_with_the_trail_shown(staff_client, staff):
    from django.urls import reverse

    OfferingFactory(name="Orbit", website="https://orbitprime-fx.com", legal_entity="")
    OfferingFactory(name="Payline", website="https://paylinemarkets.net", legal_entity="")
    import_list("--format", "cftc-red", str(fixture("cftc_red.html")))
    orbit, payline = RecordMatch.objects.order_by("offering__name")
    changelist = reverse("admin:records_recordmatch_changelist")

    assert staff_client.get(changelist).status_code == 200
    staff_client.post(changelist, {"action": "confirm", "_selected_action": [orbit.pk]})
    response = staff_client.post(
        changelist, {"action": "reject", "_selected_action": [orbit.pk, payline.pk]}, follow=True
    )

    page = response.content.decode()
    assert f"Match {orbit.pk} is confirmed, not proposed" in page
    assert "1 proposals rejected." in page
    states = dict(RecordMatch.objects.values_list("pk", "state"))
    assert states == {orbit.pk: "confirmed", payline.pk: "rejected"}
    assert RecordMatch.objects.get(pk=orbit.pk).decided_by == staff
    history = reverse("admin:records_recordmatch_history", args=[orbit.pk])
    assert "confirmed by staff" in staff_client.get(history).content.decode()
