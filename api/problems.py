"""One error shape for the whole API: RFC 9457 problem details (application/problem+json).

{"type": "urn:offerwatch:problem:validation", "title": "Invalid input", "status": 400,
 "detail": "...", "instance": "/api/v1/offerings/",
 "errors": [{"field": "hard_cap", "value": "-1", "rule": "must not be negative"}]}
"""

from __future__ import annotations

import logging
import math
from typing import Any

from django.core.exceptions import DisallowedHost, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from api.keys import key_redacted
from offerings.limits import QUOTED_MAX_CHARS, quoted

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/problem+json"
# The most field errors one problem lists, and the longest detail or rule it quotes.
MAX_ERRORS = 50
DETAIL_MAX_CHARS = 500
TYPE_PREFIX = "urn:offerwatch:problem:"
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Unprocessable request",
    429: "Too many requests",
    500: "Internal server error",
}
# Problem type codes by status when the exception carries no more specific one.
CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "unprocessable",
    429: "throttled",
    500: "server_error",
}


class Problem(exceptions.APIException):
    """An API error with a problem type code and optional field errors."""

    def __init__(
        self,
        detail: str,
        *,
        status_code: int = 400,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.code = code or CODES.get(status_code, "error")
        self.errors = errors


def field_errors(errors: Any, data: Any = None, prefix: str = "") -> list[dict[str, Any]]:
    """Flatten DRF/Django error dicts into [{field, value, rule}], quoting the submitted value."""
    flat: list[dict[str, Any]] = []
    if isinstance(errors, dict):
        for name, messages in errors.items():
            field = f"{prefix}.{name}" if prefix else str(name)
            value = data.get(name) if isinstance(data, dict) else None
            if isinstance(messages, dict):
                flat += field_errors(messages, value, field)
                continue
            if name in ("__all__", "non_field_errors"):
                field = prefix or "(request)"
            for message in messages if isinstance(messages, list) else [messages]:
                if isinstance(message, dict):
                    flat += field_errors(message, value, field)
                else:
                    flat.append({"field": field, "value": value, "rule": str(message)})
    elif isinstance(errors, list):
        flat += [{"field": prefix or "(request)", "value": None, "rule": str(e)} for e in errors]
    else:
        flat.append({"field": prefix or "(request)", "value": None, "rule": str(errors)})
    return flat


def problem_body(
    *, status_code: int, detail: str, instance: str, code: str | None = None, errors=None
) -> dict[str, Any]:
    if errors is not None and len(errors) > MAX_ERRORS:
        detail = f"{detail} (the first {MAX_ERRORS} of {len(errors):,} problems)"
    body = {
        "type": TYPE_PREFIX + (code or CODES.get(status_code, "error")),
        "title": TITLES.get(status_code, "Error"),
        "status": status_code,
        "detail": quoted(key_redacted(detail), DETAIL_MAX_CHARS),
        "instance": quoted(key_redacted(instance), DETAIL_MAX_CHARS),
    }
    if errors is not None:
        # A small request must not earn a large answer: quoted values and rules are cut short.
        body["errors"] = [
            {
                **error,
                "value": quoted(error.get("value"), QUOTED_MAX_CHARS),
                "rule": quoted(error.get("rule"), DETAIL_MAX_CHARS),
            }
            for error in errors[:MAX_ERRORS]
        ]
    return body


def _request_data(request) -> Any:
    try:
        return request.data if request is not None else None
    except Exception:  # an unparseable body is the error being reported
        return None


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's EXCEPTION_HANDLER: every exception becomes a problem; unexpected ones a logged 500."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    errors = None
    code = None
    headers: dict[str, str] = {}
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) if str(exc) else "no such resource")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = Problem(
            "the request has invalid values",
            code="validation",
            errors=field_errors(
                exc.message_dict if hasattr(exc, "error_dict") else exc.messages,
                _request_data(request),
            ),
        )
    elif isinstance(exc, RequestDataTooBig):
        exc = Problem("the body is larger than this server accepts", status_code=413)
    elif isinstance(exc, SuspiciousOperation):
        exc = Problem(str(exc) or "the request was refused", status_code=400)
    if isinstance(exc, Problem):
        status_code, detail, code, errors = exc.status_code, str(exc.detail), exc.code, exc.errors
    elif isinstance(exc, exceptions.ValidationError):
        status_code, code = 400, "validation"
        detail = "the request has invalid values"
        errors = field_errors(exc.detail, _request_data(request))
    elif isinstance(exc, exceptions.APIException):
        status_code = exc.status_code
        detail = str(exc.detail)
        code = getattr(exc, "reason", None)
        if isinstance(exc, exceptions.Throttled):
            wait = max(1, math.ceil(exc.wait or 1))
            headers["Retry-After"] = str(wait)
            detail = f"request rate limit reached; retry in {wait} s"
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
    else:
        logger.exception("unhandled error in %s", instance)
        status_code, detail = 500, "the server failed to handle this request; it has been logged"
    if status_code in (401, 403) and request is not None:
        _audit_denial(request, exc, code or CODES[status_code], detail)
    body = problem_body(
        status_code=status_code, detail=detail, instance=instance, code=code, errors=errors
    )
    return Response(body, status=status_code, headers=headers, content_type=CONTENT_TYPE)


def _audit_denial(request, exc: Exception, code: str, detail: str) -> None:
    from api.addresses import client_ip
    from api.models import ApiKey, AuditEvent
    from api.services import audit_record

    api_key = getattr(request, "_auth", None)
    try:
        audit_record(
            action=AuditEvent.Action.DENIED,
            api_key=api_key if isinstance(api_key, ApiKey) else None,
            key_id=getattr(exc, "key_id", ""),
            ip=client_ip(request),
            method=request.method,
            path=key_redacted(request.path),
            reason=f"{code}: {detail}",
        )
    except Exception:  # the refusal must still be answered when the audit log cannot be written
        logger.exception("could not write the audit log entry for a denied request")


def _plain_problem(request, status_code: int, detail: str) -> HttpResponse:
    body = problem_body(status_code=status_code, detail=detail, instance=request.path)
    return JsonResponse(body, status=status_code, content_type=CONTENT_TYPE)


@csrf_exempt
def not_found(request, *args, **kwargs) -> HttpResponse:
    """Any /api/ URL that names no endpoint."""
    return _plain_problem(
        request, 404, f"{request.path} is not an API endpoint; see /api/schema/ for the list"
    )


def handler400(request, exception=None) -> HttpResponse:
    """For config/urls.py `handler400` (a bad Host, a body over the size limit, other
    SuspiciousOperation and BadRequest raised outside a view): problems under /api/."""
    if not request.path.startswith("/api/"):
        return defaults.bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        return _plain_problem(request, 413, "the body is larger than this server accepts")
    if isinstance(exception, DisallowedHost):
        detail = "the Host header names a server this one does not answer for"
    else:
        detail = "the request is malformed and was refused"
    return _plain_problem(request, 400, detail)


def handler404(request, exception=None) -> HttpResponse:
    """For config/urls.py `handler404`: problems under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return not_found(request)
    return defaults.page_not_found(request, exception)


def handler500(request) -> HttpResponse:
    """For config/urls.py `handler500`: problems under /api/, Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return _plain_problem(request, 500, "the server failed to handle this request")
    return defaults.server_error(request)


__all__ = [
    "Problem",
    "exception_handler",
    "field_errors",
    "handler400",
    "handler404",
    "handler500",
    "not_found",
    "status",
]
