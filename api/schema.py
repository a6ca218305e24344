"""OpenAPI pieces shared by every view: the bearer scheme, signature headers, problem responses."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from api.idempotency import HEADER as IDEMPOTENCY_HEADER
from api.problems import CONTENT_TYPE
from api.serializers import ProblemSerializer
from api.signing import NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ow_<env>_<id>_<secret><crc32>",
            "description": (
                "An API key from the Offerwatch 'API keys' page or `manage.py create_api_key`. "
                "Scopes: offerings:read, offerings:write, diligence:read, diligence:write, "
                "webhooks:manage. Never send a key in the URL."
            ),
        }


def _problem(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ProblemSerializer, description=description)


def problems(*statuses: int) -> dict:
    """Problem-details responses for `statuses`, keyed for extend_schema(responses=...)."""
    descriptions = {
        400: "Invalid parameters or body; `errors` names each field, value and rule.",
        401: "No key, a bad/expired/revoked key, or a missing/stale/replayed/bad signature.",
        403: "The key lacks the scope, or the client IP is not in its allowlist.",
        404: "No such resource.",
        405: "Method not allowed.",
        409: "The first request with this Idempotency-Key is still running.",
        415: "The body is not JSON.",
        422: "This Idempotency-Key was used with a different request.",
        429: "Rate limit reached; see Retry-After.",
    }
    return {(status, CONTENT_TYPE): _problem(descriptions[status]) for status in statuses}


READ_PROBLEMS = (400, 401, 403, 404, 405, 429)
WRITE_PROBLEMS = (400, 401, 403, 404, 405, 415, 429)

SIGNATURE_PARAMETERS = [
    OpenApiParameter(
        TIMESTAMP_HEADER,
        OpenApiTypes.INT,
        OpenApiParameter.HEADER,
        required=True,
        description="Unix time in seconds; must be within ±300 s of the server clock.",
    ),
    OpenApiParameter(
        NONCE_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=True,
        description="16–128 printable characters, never reused within the window.",
    ),
    OpenApiParameter(
        SIGNATURE_HEADER,
        OpenApiTypes.STR,
        OpenApiParameter.HEADER,
        required=True,
        description=(
            "base64 Ed25519 signature of `timestamp.nonce.METHOD.path[?query].sha256hex(body)` "
            "with the private key whose public key is registered with the API key."
        ),
    ),
]
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Replays the first successful reply to the same POST for 24 hours.",
)


def closed_request_bodies(result, generator, request, public):
    """drf-spectacular postprocessing hook: request bodies accept only their documented
    fields (the offering parser refuses unknown ones; other inputs ignore them)."""
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name.endswith("Request") and component.get("type") == "object":
            component["additionalProperties"] = False
    return result
