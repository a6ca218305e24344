"""Roles: Django groups with the permissions each kind of user needs, and who is on the team.

Roles are additive: a user may hold several (an editor who also approves holds both). Superusers
hold every permission. The groups are created by migration diligence 0004 and kept in step by
`manage.py assign_role`; permissions are checked in views, services and the API, never only in
templates.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

VIEWER = "viewer"
ANALYST = "analyst"
EDITOR = "editor"
APPROVER = "approver"
ADMIN = "admin"

_READ = [
    "offerings.view_offering",
    "offerings.view_venue",
    "diligence.view_assessment",
]
# Reviews of findings, the watchlist, submitting for approval, webhooks of one's own.
_ANALYST = [
    *_READ,
    "diligence.view_findingreview",
    "diligence.add_findingreview",
    "diligence.submit_offeringreview",
    "analyst.add_watch",
    "analyst.delete_watch",
    # Outcomes after the sale (failed, exit scam …, with a source) and "checked, none" facts.
    "offerings.view_saleoutcome",
    "offerings.add_saleoutcome",
    "offerings.view_absence",
    "offerings.add_absence",
    "offerings.change_absence",
    "offerings.delete_absence",
    "webhooks.view_webhookendpoint",
    "webhooks.add_webhookendpoint",
    "webhooks.change_webhookendpoint",
    "webhooks.delete_webhookendpoint",
    # Public records: read them, and confirm or reject a record proposed for an offering.
    "records.view_publicrecord",
    "records.view_recordmatch",
    "records.decide_recordmatch",
]
# The offering's facts and its parts, as the admin edits them (inlines included).
_PARTS = ("teammember", "tokenallocation", "saleround", "audit", "sociallink", "document")
_EDITOR = [
    *_ANALYST,
    "offerings.add_offering",
    "offerings.change_offering",
    "offerings.add_venue",
    "offerings.change_venue",
    "offerings.add_securityincident",
    "offerings.change_securityincident",
    "offerings.delete_securityincident",
    *(f"offerings.{action}_{model}" for model in _PARTS for action in ("add", "change", "delete")),
    *(f"offerings.view_{model}" for model in _PARTS),
]
_APPROVER = [*_ANALYST, "diligence.approve_offeringreview"]
# Every permission of these apps: soft-deleting offerings, managing users and their roles.
ADMIN_APPS = ("offerings", "records", "diligence", "analyst", "api", "webhooks", "auth")

ROLES: dict[str, dict[str, Any]] = {
    VIEWER: {"description": "reads offerings, scores and automatic findings", "perms": _READ},
    ANALYST: {
        "description": "viewer + reviews findings, watchlist, submits for approval, webhooks",
        "perms": _ANALYST,
    },
    EDITOR: {
        "description": "analyst + creates and edits offerings, their parts and documents",
        "perms": _EDITOR,
    },
    APPROVER: {
        "description": "analyst + approves offerings in review (MFA required)",
        "perms": _APPROVER,
    },
    ADMIN: {
        "description": "every permission: deletes offerings (soft), manages users and roles",
        "perms": None,  # all of ADMIN_APPS
    },
}

# "The team" sees analysts' reviews, notes, change history and workflow actors.
TEAM_PERMISSION = "diligence.view_findingreview"
APPROVE_PERMISSION = "diligence.approve_offeringreview"
SUBMIT_PERMISSION = "diligence.submit_offeringreview"
REVIEW_PERMISSION = "diligence.add_findingreview"
WATCH_PERMISSION = "analyst.add_watch"
DELETE_OFFERING_PERMISSION = "offerings.delete_offering"


def is_team(user: Any) -> bool:
    """Whether `user` may see analysts' reviews and notes (the analyst role or above)."""
    return bool(user.is_authenticated and user.has_perm(TEAM_PERMISSION))


def _permissions(perm_model, codes: list[str] | None, *, missing_ok: bool = False):
    if codes is None:
        return perm_model.objects.filter(content_type__app_label__in=ADMIN_APPS)
    wanted = [code.split(".", 1) for code in codes]
    found = perm_model.objects.filter(
        content_type__app_label__in={app for app, _ in wanted},
        codename__in={codename for _, codename in wanted},
    ).select_related("content_type")
    by_code = {f"{p.content_type.app_label}.{p.codename}": p for p in found}
    missing = sorted(set(codes) - by_code.keys())
    if missing and not missing_ok:
        raise LookupError(f"permissions not found (migrate first?): {', '.join(missing)}")
    return [by_code[code] for code in codes if code in by_code]


def roles_sync(
    group_model=Group, perm_model=Permission, roles=None, *, missing_ok: bool = False
) -> None:
    """Create the role groups and set exactly their permissions (idempotent). `roles` (default
    ROLES) lets a migration give the roles as they were at its point in history; `missing_ok`
    skips permissions of apps not migrated yet (an early migration; a later one syncs again)."""
    with transaction.atomic():
        for name, role in (ROLES if roles is None else roles).items():
            group, _ = group_model.objects.get_or_create(name=name)
            group.permissions.set(_permissions(perm_model, role["perms"], missing_ok=missing_ok))


def role_assign(*, user: Any, role: str, remove: bool = False) -> None:
    """Give `user` the role (or take it away); the change applies to their API keys at once."""
    if role not in ROLES:
        raise ValueError(f"role {role!r} is not one of {', '.join(ROLES)}")
    group = Group.objects.filter(name=role).first()
    if group is None:
        roles_sync()
        group = Group.objects.get(name=role)
    if remove:
        user.groups.remove(group)
    else:
        user.groups.add(group)
