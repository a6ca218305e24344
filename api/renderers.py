"""JSON out through orjson (the list endpoint's hot path), and the problem-details media type."""

from __future__ import annotations

import json
from decimal import Decimal

import orjson
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder().default


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    return _fallback(value)


class JSONRenderer(BaseRenderer):
    media_type = "application/json"
    format = "json"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        try:
            return orjson.dumps(data, default=_default, option=orjson.OPT_NON_STR_KEYS)
        except TypeError:
            # orjson refuses integers beyond 64 bits and lone surrogates, which an error
            # message may quote back from the request; the standard library escapes them.
            return json.dumps(data, cls=JSONEncoder, default=str).encode()


class ProblemJSONRenderer(JSONRenderer):
    media_type = "application/problem+json"


class LenientNegotiation(DefaultContentNegotiation):
    """Answer JSON when the Accept header names nothing we produce (rather than a 406)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Exception:
            return renderers[0], renderers[0].media_type
