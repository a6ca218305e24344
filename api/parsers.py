"""JSON bodies, refusing text PostgreSQL cannot store (NUL characters) with a field-level error."""

from __future__ import annotations

from typing import Any

from rest_framework.parsers import JSONParser as BaseJSONParser

from api.problems import Problem


def _nul_fields(value: Any, path: str = "") -> list[dict[str, Any]]:
    if isinstance(value, str):
        return (
            [{"field": path or "(body)", "value": value, "rule": "must not contain NUL characters"}]
            if "\x00" in value
            else []
        )
    if isinstance(value, dict):
        found = []
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                found.append(
                    {"field": name, "value": key, "rule": "must not contain NUL characters"}
                )
            found += _nul_fields(item, name)
        return found
    if isinstance(value, list):
        return [
            error
            for index, item in enumerate(value)
            for error in _nul_fields(item, f"{path}[{index}]")
        ]
    return []


class JSONParser(BaseJSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        errors = _nul_fields(data)
        if errors:
            raise Problem("the body has invalid values", code="validation", errors=errors)
        return data
