"""manage.py assign_role --user U --role R [--remove]; without arguments, list the roles."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError

from diligence.roles import ROLES, role_assign, roles_sync


class Command(BaseCommand):
    help = (
        "Give a user a role (viewer, analyst, editor, approver, admin) or take it away with "
        "--remove; with no --user, list the roles and their permissions."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--user", help="username")
        parser.add_argument("--role", choices=list(ROLES))
        parser.add_argument("--remove", action="store_true", help="take the role away")

    def handle(self, *args, user=None, role=None, remove=False, **options) -> None:
        roles_sync()  # the groups match this code's roles, whatever was changed by hand
        if not user and not role:
            self._list()
            return
        if not user or not role:
            raise CommandError("--user and --role go together (no arguments lists the roles)")
        account = get_user_model().objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"--user {user!r}: no such user")
        role_assign(user=account, role=role, remove=remove)
        held = ", ".join(account.groups.order_by("name").values_list("name", flat=True)) or "none"
        verb = "removed from" if remove else "given to"
        self.stdout.write(f"Role {role} {verb} {user}; roles now held: {held}.")
        if role in ("approver", "admin") and not remove:
            self.stdout.write("They must set up MFA (an authenticator app) at their next sign-in.")

    def _list(self) -> None:
        for name, role in ROLES.items():
            group = Group.objects.get(name=name)
            codes = sorted(
                f"{app}.{codename}"
                for app, codename in group.permissions.values_list(
                    "content_type__app_label", "codename"
                )
            )
            members = group.user_set.count()
            self.stdout.write(f"{name} ({members} user(s)): {role['description']}")
            for code in codes:
                self.stdout.write(f"    {code}")
