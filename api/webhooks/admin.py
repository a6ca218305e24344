"""Staff views of webhook endpoints (never their secrets) and the delivery log."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from api.webhooks.destinations import destination_check
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from api.webhooks.services import delivery_redeliver, endpoint_update, events_clean


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=2000, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ["owner", "url", "description", "events", "is_active"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        if url != self.instance.url:
            try:
                destination_check(url)
            except ValidationError as exc:
                raise ValidationError(exc.message_dict["url"]) from None
        return url

    def clean_events(self) -> list[str]:
        try:
            return events_clean(self.cleaned_data["events"] or [])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["events"]) from None


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "owner", "is_active", "consecutive_failures", "disabled_reason"]
    list_filter = ["is_active"]
    search_fields = ["url", "description", "owner__username"]
    list_select_related = ["owner"]
    readonly_fields = [
        "disabled_reason",
        "disabled_at",
        "consecutive_failures",
        "previous_secret_expires_at",
        "created_at",
        "updated_at",
    ]
    actions = ["enable"]

    def has_add_permission(self, request) -> bool:
        # Owners subscribe through the API, which shows the new secret to them alone.
        return False

    @admin.action(description="Re-enable the selected endpoints")
    def enable(self, request, queryset) -> None:
        endpoints = list(queryset.filter(is_active=False))
        for endpoint in endpoints:
            endpoint_update(endpoint=endpoint, is_active=True)
        self.message_user(request, f"{len(endpoints)} endpoint(s) re-enabled", messages.SUCCESS)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event_type",
        "event_id",
        "endpoint",
        "status",
        "attempts",
        "response_code",
        "latency_ms",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id", "endpoint__url"]
    list_select_related = ["endpoint"]
    date_hierarchy = "created_at"
    actions = ["redeliver"]

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_redeliver_permission(self, request) -> bool:
        return request.user.has_perm("webhooks.change_webhookdelivery")

    @admin.action(description="Redeliver the selected deliveries", permissions=["redeliver"])
    def redeliver(self, request, queryset) -> None:
        sent = refused = 0
        for delivery in queryset.select_related("endpoint"):
            try:
                delivery_redeliver(delivery=delivery)
                sent += 1
            except ValidationError:
                refused += 1
        self.message_user(request, f"{sent} redelivery(ies) queued", messages.SUCCESS)
        if refused:
            self.message_user(
                request,
                f"{refused} not redelivered: their endpoint is disabled (re-enable it first)",
                messages.WARNING,
            )
