"""The API's JSON parser: bounded nesting, and the field named when a body nests too deep.

Python's json module recurses once per level and fails with ``RecursionError`` (a 500) on a body
such as ``{"name": [[[[...]]]]}`` a few thousand levels deep. No portal API body needs more than
a few levels, so the raw text is scanned first, without recursion, and a body deeper than
:data:`MAX_DEPTH` is refused with 400 naming the top-level field it sits under (``non_field_errors``
when the body itself is the array).
"""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.utils import json as drf_json

MAX_DEPTH = 32


def too_deep(text: str, limit: int = MAX_DEPTH) -> str | None:
    """The top-level field under which ``text`` nests deeper than ``limit``; None when it does not.

    A scan over the characters (strings skipped), so it cannot itself run out of stack.
    """
    depth = 0
    in_string = escaped = False
    string_start = 0
    last_string = ""
    field = ""
    for i, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
                last_string = text[string_start : i + 1]
        elif char == '"':
            in_string, string_start = True, i
        elif char == ":" and depth == 1:
            try:
                field = str(json.loads(last_string))
            except ValueError:
                field = ""
        elif char in "[{":
            depth += 1
            if depth > limit:
                return field or settings.REST_FRAMEWORK.get(
                    "NON_FIELD_ERRORS_KEY", "non_field_errors"
                )
        elif char in "]}":
            depth -= 1
            if depth == 1:
                field = ""
    return None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting bound of :func:`too_deep`."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
        field = too_deep(text)
        if field is not None:
            raise ValidationError(
                {field: [f"Nested deeper than {MAX_DEPTH} levels; no field of the API needs that."]}
            )
        try:
            return drf_json.loads(text)  # NaN and Infinity refused, as DRF's own parser does
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from None
