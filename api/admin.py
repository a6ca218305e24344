from __future__ import annotations

from django.contrib import admin, messages

from api.models import ApiKey, AuditEvent
from api.services import api_key_revoke


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Staff see and revoke keys; keys are created by their owners (page or command)."""

    list_display = ("name", "prefix", "user", "state", "expires_at", "last_used_at", "last_used_ip")
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("name", "key_id", "user__username")
    readonly_fields = [field.name for field in ApiKey._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected keys now")
    def revoke(self, request, queryset) -> None:
        count = sum(api_key_revoke(api_key=key, actor=request.user) for key in queryset)
        self.message_user(request, f"{count} key(s) revoked.", messages.SUCCESS)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The audit log: read-only, for staff."""

    list_display = ("created_at", "action", "key_id", "ip", "method", "path", "reason")
    list_filter = ("action",)
    search_fields = ("key_id", "ip", "path", "reason")
    readonly_fields = [field.name for field in AuditEvent._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_staff
