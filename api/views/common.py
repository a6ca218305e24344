"""What every API view shares: page size, next links, slug lookups, query parameter checks."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.http import QueryDict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from api.problems import Problem

PAGE_PARAMETERS = [
    OpenApiParameter(
        "cursor", OpenApiTypes.STR, description="The `next` link's cursor from the previous page."
    ),
    OpenApiParameter(
        "page_size", OpenApiTypes.INT, description="Rows per page, 1–200 (default 50)."
    ),
]


def params_check(query: QueryDict, allowed: Iterable[str]) -> None:
    """Refuse parameters the endpoint does not know (a typo would otherwise filter nothing)."""
    allowed = set(allowed)
    unknown = [name for name in query if name not in allowed]
    if unknown:
        raise Problem(
            "unknown query parameter",
            code="validation",
            errors=[
                {
                    "field": name,
                    "value": query.get(name),
                    "rule": f"is not a parameter here; allowed: {', '.join(sorted(allowed))}",
                }
                for name in unknown
            ],
        )


def page_size(query: QueryDict) -> int:
    raw = query.get("page_size")
    if raw in (None, ""):
        return settings.API_PAGE_SIZE
    limit = settings.API_MAX_PAGE_SIZE
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 6) or not 1 <= int(raw) <= limit:
        raise Problem(
            "invalid page_size",
            code="validation",
            errors=[{"field": "page_size", "value": raw, "rule": f"must be from 1 to {limit}"}],
        )
    return int(raw)


def next_link(request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = request.GET.copy()
    query["cursor"] = cursor
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
