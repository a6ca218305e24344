"""Bodies of the webhook API: inputs validated here, outputs shaped (and documented) here."""

from __future__ import annotations

from rest_framework import serializers

from api.webhooks.models import Event, WebhookDelivery, WebhookEndpoint
from api.webhooks.services import MAX_OVERLAP_HOURS

EVENT_TYPES = Event.values


class EndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(
        max_length=2000,
        help_text="An https:// URL whose host resolves only to public addresses.",
    )
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES), min_length=1, max_length=10
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)


class EndpointChangeSerializer(EndpointInputSerializer):
    is_active = serializers.BooleanField(
        required=False, help_text="false disables the endpoint; true re-enables it."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class EndpointSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_TYPES))
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True,
        help_text="While in the future, deliveries carry a second signature by the old secret.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "events",
            "is_active",
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]


class EndpointCreatedSerializer(EndpointSerializer):
    secret = serializers.CharField(
        help_text="whsec_… — verify deliveries with it. Shown this once, never again."
    )

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]


class EndpointPageSerializer(serializers.Serializer):
    results = EndpointSerializer(many=True)
    next = serializers.URLField(allow_null=True)


class RotateInputSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(
        min_value=0,
        max_value=MAX_OVERLAP_HOURS,
        required=False,
        help_text="Hours the old secret keeps signing beside the new one (default 24).",
    )


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new whsec_… secret, shown this once.")
    previous_secret_expires_at = serializers.DateTimeField(allow_null=True)


class DeliverySerializer(serializers.ModelSerializer):
    endpoint = serializers.IntegerField(source="endpoint_id")
    redelivery_of = serializers.IntegerField(source="redelivery_of_id", allow_null=True)
    payload = serializers.JSONField(help_text='{"type", "timestamp", "data"} as sent.')

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "response_code",
            "latency_ms",
            "last_error",
            "redelivery_of",
            "created_at",
            "payload",
        ]


class DeliveryPageSerializer(serializers.Serializer):
    results = DeliverySerializer(many=True)
    next = serializers.URLField(allow_null=True)
