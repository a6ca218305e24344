"""/api/v1/webhooks/: a key owner's endpoints, their secrets, deliveries, redeliveries and pings.

Every view needs the `webhooks:manage` scope; another user's endpoints are 404, never 403.
Creating an endpoint and rotating its secret refuse Idempotency-Key: their replies carry a
secret that is shown once and never stored, so there is nothing to replay.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.cursor import page_fetch
from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.idempotency import idempotent
from api.problems import Problem, field_errors
from api.schema import (
    IDEMPOTENCY_PARAMETER,
    READ_PROBLEMS,
    SIGNATURE_PARAMETERS,
    WRITE_PROBLEMS,
    problems,
)
from api.views.common import PAGE_PARAMETERS, next_link, page_size, params_check
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from api.webhooks.serializers import (
    DeliveryPageSerializer,
    DeliverySerializer,
    EndpointChangeSerializer,
    EndpointCreatedSerializer,
    EndpointInputSerializer,
    EndpointPageSerializer,
    EndpointSerializer,
    RotateInputSerializer,
    SecretSerializer,
)
from api.webhooks.services import (
    delivery_redeliver,
    endpoint_create,
    endpoint_ping,
    endpoint_secret_rotate,
    endpoint_update,
)

SCOPE = "webhooks:manage"
DELIVERY_FILTERS = [
    OpenApiParameter(
        "status", OpenApiTypes.STR, enum=WebhookDelivery.Status.values, description="Only these."
    ),
    OpenApiParameter("event_type", OpenApiTypes.STR, description="Only this event type."),
]


class _WebhookView(APIView):
    read_scope = SCOPE
    write_scope = SCOPE

    def endpoint(self, request, endpoint_id: int) -> WebhookEndpoint:
        return get_object_or_404(WebhookEndpoint.objects.owned_by(request.user), pk=endpoint_id)


def _valid(serializer_class, request, **kwargs) -> dict:
    serializer = serializer_class(data=request.data, **kwargs)
    if not serializer.is_valid():
        raise Problem(
            "the request has invalid values",
            code="validation",
            errors=field_errors(serializer.errors, request.data),
        )
    return serializer.validated_data


def _no_idempotency_key(request) -> None:
    if IDEMPOTENCY_HEADER in request.headers:
        raise Problem(
            f"{IDEMPOTENCY_HEADER} is not accepted here: the reply carries a secret that is "
            "shown once and never stored; list your endpoints to see whether a request succeeded",
            code="validation",
            errors=[
                {
                    "field": IDEMPOTENCY_HEADER,
                    "value": request.headers[IDEMPOTENCY_HEADER][:100],
                    "rule": "must not be sent to this endpoint",
                }
            ],
        )


def _queued(action, **kwargs) -> WebhookDelivery:
    """Run a ping or redelivery; a disabled endpoint is a 409 that says how to fix it."""
    try:
        return action(**kwargs)
    except ValidationError as exc:
        raise Problem("; ".join(exc.messages), status_code=409, code="endpoint_disabled") from None


class EndpointList(_WebhookView):
    @extend_schema(
        operation_id="webhooks_list",
        parameters=PAGE_PARAMETERS,
        responses={200: EndpointPageSerializer, **problems(*READ_PROBLEMS)},
        summary="Your webhook endpoints, newest first",
        description=(
            "The webhook endpoints your key's owner registered, newest first; secrets are "
            "never shown. Cursor-paginated. Scope `webhooks:manage`."
        ),
    )
    def get(self, request):
        params_check(request.GET, ("cursor", "page_size"))
        page, cursor = page_fetch(
            WebhookEndpoint.objects.owned_by(request.user).order_by("-created_at", "-id"),
            size=page_size(request.GET),
            cursor=request.GET.get("cursor"),
        )
        return Response(
            {
                "results": EndpointSerializer(page, many=True).data,
                "next": next_link(request, cursor),
            }
        )

    @extend_schema(
        operation_id="webhooks_create",
        request=EndpointInputSerializer,
        parameters=SIGNATURE_PARAMETERS,
        responses={201: EndpointCreatedSerializer, **problems(*WRITE_PROBLEMS)},
        summary="Subscribe an endpoint to events; the reply holds its secret, shown once",
        description=(
            "Registers an HTTPS endpoint for the events listed. The reply holds the signing"
            " secret, shown only this once: store it. Signed. Scope `webhooks:manage`."
        ),
    )
    def post(self, request):
        _no_idempotency_key(request)
        values = _valid(EndpointInputSerializer, request)
        endpoint, secret = endpoint_create(owner=request.user, **values)
        endpoint.secret = secret
        return Response(EndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)


class EndpointDetail(_WebhookView):
    @extend_schema(
        operation_id="webhooks_retrieve",
        responses={200: EndpointSerializer, **problems(*READ_PROBLEMS)},
        summary="One of your endpoints",
        description=("One of your webhook endpoints, without its secret. Scope `webhooks:manage`."),
    )
    def get(self, request, endpoint_id: int):
        params_check(request.GET, ())
        return Response(EndpointSerializer(self.endpoint(request, endpoint_id)).data)

    @extend_schema(
        operation_id="webhooks_update",
        request=EndpointChangeSerializer,
        parameters=SIGNATURE_PARAMETERS,
        responses={200: EndpointSerializer, **problems(*WRITE_PROBLEMS)},
        summary="Change an endpoint's URL, events or description; disable or re-enable it",
        description=(
            "Changes only the fields sent; `is_active: false` stops deliveries; `is_active:"
            " true` re-enables the endpoint and clears its failure streak. Signed. Scope "
            "`webhooks:manage`."
        ),
    )
    def patch(self, request, endpoint_id: int):
        endpoint = self.endpoint(request, endpoint_id)
        values = _valid(EndpointChangeSerializer, request)
        return Response(EndpointSerializer(endpoint_update(endpoint=endpoint, **values)).data)

    @extend_schema(
        operation_id="webhooks_destroy",
        parameters=SIGNATURE_PARAMETERS,
        responses={204: None, **problems(*WRITE_PROBLEMS)},
        summary="Delete an endpoint and its delivery log",
        description=(
            "Deletes the endpoint; no further event is delivered to it and its delivery log"
            " goes with it. Signed. Scope `webhooks:manage`."
        ),
    )
    def delete(self, request, endpoint_id: int):
        self.endpoint(request, endpoint_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotate(_WebhookView):
    @extend_schema(
        operation_id="webhooks_rotate_secret",
        request=RotateInputSerializer,
        parameters=SIGNATURE_PARAMETERS,
        responses={200: SecretSerializer, **problems(*WRITE_PROBLEMS)},
        summary="Replace the secret; the old one keeps signing beside it for the overlap",
        description=(
            "Issues a new signing secret, shown only in this reply; while "
            "`previous_secret_expires_at` is in the future, deliveries carry a second "
            "signature by the old secret, so receivers can switch without losing events. "
            "Signed. Scope `webhooks:manage`."
        ),
    )
    def post(self, request, endpoint_id: int):
        _no_idempotency_key(request)
        endpoint = self.endpoint(request, endpoint_id)
        values = _valid(RotateInputSerializer, request)
        secret = endpoint_secret_rotate(endpoint=endpoint, **values)
        return Response(
            {
                "secret": secret,
                "previous_secret_expires_at": endpoint.previous_secret_expires_at,
            }
        )


class EndpointPing(_WebhookView):
    @extend_schema(
        operation_id="webhooks_ping",
        request=None,
        parameters=[*SIGNATURE_PARAMETERS, IDEMPOTENCY_PARAMETER],
        responses={202: DeliverySerializer, **problems(*WRITE_PROBLEMS, 409, 422)},
        summary="Queue a signed webhook.ping event to the endpoint",
        description=(
            "Queues a `webhook.ping` event to the endpoint to test its URL and signature "
            "check; the reply is the queued delivery. Signed. Scope `webhooks:manage`."
        ),
    )
    @idempotent
    def post(self, request, endpoint_id: int):
        delivery = _queued(endpoint_ping, endpoint=self.endpoint(request, endpoint_id))
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class DeliveryList(_WebhookView):
    @extend_schema(
        operation_id="webhooks_deliveries_list",
        parameters=[*PAGE_PARAMETERS, *DELIVERY_FILTERS],
        responses={200: DeliveryPageSerializer, **problems(*READ_PROBLEMS)},
        summary="An endpoint's delivery log, newest first",
        description=(
            "Every delivery to the endpoint, newest first, with its status and attempts. "
            "Cursor-paginated. Scope `webhooks:manage`."
        ),
    )
    def get(self, request, endpoint_id: int):
        params_check(request.GET, ("cursor", "page_size", "status", "event_type"))
        endpoint = self.endpoint(request, endpoint_id)
        deliveries = WebhookDelivery.objects.filter(endpoint=endpoint)
        wanted = request.GET.get("status")
        if wanted:
            if wanted not in WebhookDelivery.Status.values:
                raise Problem(
                    "invalid status",
                    code="validation",
                    errors=[
                        {
                            "field": "status",
                            "value": wanted,
                            "rule": f"must be one of {', '.join(WebhookDelivery.Status.values)}",
                        }
                    ],
                )
            deliveries = deliveries.filter(status=wanted)
        if request.GET.get("event_type"):
            deliveries = deliveries.filter(event_type=request.GET["event_type"])
        page, cursor = page_fetch(
            deliveries.order_by("-created_at", "-id"),
            size=page_size(request.GET),
            cursor=request.GET.get("cursor"),
        )
        return Response(
            {
                "results": DeliverySerializer(page, many=True).data,
                "next": next_link(request, cursor),
            }
        )


class DeliveryDetail(_WebhookView):
    @extend_schema(
        operation_id="webhooks_deliveries_retrieve",
        responses={200: DeliverySerializer, **problems(*READ_PROBLEMS)},
        summary="One delivery: status, attempts, response code, latency, payload",
        description=(
            "One delivery to the endpoint: its status, attempts, the receiver's response "
            "code and latency, and the payload sent. Scope `webhooks:manage`."
        ),
    )
    def get(self, request, endpoint_id: int, delivery_id: int):
        params_check(request.GET, ())
        endpoint = self.endpoint(request, endpoint_id)
        return Response(
            DeliverySerializer(get_object_or_404(endpoint.deliveries, pk=delivery_id)).data
        )


class DeliveryRedeliver(_WebhookView):
    @extend_schema(
        operation_id="webhooks_deliveries_redeliver",
        request=None,
        parameters=[*SIGNATURE_PARAMETERS, IDEMPOTENCY_PARAMETER],
        responses={202: DeliverySerializer, **problems(*WRITE_PROBLEMS, 409, 422)},
        summary="Send a delivery's event again (same webhook-id), as a new delivery",
        description=(
            "Queues the delivery's event again with the same `webhook-id`, so receivers can"
            " deduplicate; the reply is the new delivery. Signed. Scope `webhooks:manage`."
        ),
    )
    @idempotent
    def post(self, request, endpoint_id: int, delivery_id: int):
        endpoint = self.endpoint(request, endpoint_id)
        delivery = get_object_or_404(endpoint.deliveries.select_related("endpoint"), pk=delivery_id)
        again = _queued(delivery_redeliver, delivery=delivery)
        return Response(DeliverySerializer(again).data, status=status.HTTP_202_ACCEPTED)
