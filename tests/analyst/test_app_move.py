"""The analyst app took the web UI from offerings and diligence without breaking what exists:
the same tables, permissions that still work for the roles, and every URL at its old path under
its old name."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import resolve, reverse

from analyst.models import AnalystPreferences, Notification, Watch

pytestmark = pytest.mark.django_db

# Name -> (path arguments, path): the URLs as they were before the move.
URLS = {
    "offerings:home": ([], "/"),
    "offerings:list": ([], "/offerings/"),
    "offerings:export": ([], "/offerings/export.csv"),
    "offerings:detail": (["helix"], "/offerings/helix/"),
    "offerings:watch": (["helix"], "/offerings/helix/watch/"),
    "offerings:outcome_add": (["helix"], "/offerings/helix/outcomes/"),
    "offerings:checked_none": (["helix"], "/offerings/helix/checked-none/"),
    "offerings:document": (["helix", 7], "/offerings/helix/documents/7/"),
    "offerings:compare": ([], "/compare/"),
    "offerings:unlocks": ([], "/unlocks/"),
    "offerings:unlock_feed": (["abc"], "/unlocks/feed/abc.ics"),
    "offerings:settings": ([], "/settings/"),
    "offerings:venues": ([], "/venues/"),
    "offerings:venue": (["bitrex"], "/venues/bitrex/"),
    "offerings:watchlist": ([], "/watchlist/"),
    "offerings:notifications": ([], "/notifications/"),
    "diligence:methodology": ([], "/methodology/"),
    "diligence:track_record": ([], "/track-record/"),
    "diligence:review": (["helix"], "/offerings/helix/reviews/"),
    "diligence:workflow": (["helix"], "/offerings/helix/workflow/"),
}


@pytest.mark.parametrize("name", sorted(URLS))
def test_every_url_keeps_its_path_and_name(name):
    args, path = URLS[name]
    assert reverse(name, args=args) == path
    assert resolve(path).view_name == name
    assert resolve(path).func.__module__.startswith("analyst.views.")


@pytest.mark.parametrize(
    ("model", "table"),
    [
        (Watch, "offerings_watch"),
        (Notification, "offerings_notification"),
        (AnalystPreferences, "offerings_analystpreferences"),
    ],
)
def test_the_models_keep_their_tables(model, table):
    assert model._meta.db_table == table
    assert table in connection.introspection.table_names()
    assert ContentType.objects.get_for_model(model).app_label == "analyst"
    assert not ContentType.objects.filter(app_label="offerings", model=model._meta.model_name)


def test_the_roles_hold_the_moved_permissions(analyst, viewer):
    codes = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name="analyst").permissions.select_related("content_type")
    }
    assert {"analyst.add_watch", "analyst.delete_watch"} <= codes
    assert not Permission.objects.filter(content_type__app_label="offerings", codename="add_watch")
    assert analyst.has_perm("analyst.add_watch")
    assert not viewer.has_perm("analyst.add_watch")
