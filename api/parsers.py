"""JSON bodies, refusing what cannot be stored or walked safely: NUL characters and lone
surrogates (PostgreSQL refuses both) with a field-level error, and nesting past a few levels."""

from __future__ import annotations

from typing import Any

from rest_framework.parsers import JSONParser as BaseJSONParser

from api.problems import Problem
from offerings.limits import OutOfBounds, nesting_depth_check, text_storable

# The deepest body an endpoint takes is an offering record (3 levels); leave room, refuse more.
MAX_BODY_NESTING = 8


def _unstorable_fields(value: Any, path: str = "") -> list[dict[str, Any]]:
    if isinstance(value, str):
        problem = text_storable(value)
        return [{"field": path or "(body)", "value": value, "rule": problem}] if problem else []
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if problem := text_storable(str(key)):
                found.append({"field": name, "value": key, "rule": problem})
            found += _unstorable_fields(item, name)
        return found
    if isinstance(value, list):
        return [
            error
            for index, item in enumerate(value)
            for error in _unstorable_fields(item, f"{path}[{index}]")
        ]
    return []


class JSONParser(BaseJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise Problem(
                f"the body nests objects and lists deeper than {MAX_BODY_NESTING} levels",
                code="validation",
            ) from None
        try:
            nesting_depth_check(data, MAX_BODY_NESTING)
        except OutOfBounds as exc:
            raise Problem(f"the body {exc}", code="validation") from None
        errors = _unstorable_fields(data)
        if errors:
            raise Problem("the body has invalid values", code="validation", errors=errors)
        return data
