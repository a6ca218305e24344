"""Users in the admin with their roles in view: the role groups are assigned on a user's page
(Groups), or by `manage.py assign_role`."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

User = get_user_model()


class UserWithRolesAdmin(UserAdmin):
    list_display = ("username", "email", "roles", "is_staff", "is_active", "last_login")
    list_filter = ("groups", "is_staff", "is_superuser", "is_active")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="roles (groups)")
    def roles(self, user) -> str:
        names = [group.name for group in user.groups.all()]
        if user.is_superuser:
            names.insert(0, "superuser")
        return ", ".join(names) or "— none: the user cannot browse"


admin.site.unregister(User)
admin.site.register(User, UserWithRolesAdmin)
