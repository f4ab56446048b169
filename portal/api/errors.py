"""One error format for the whole API: ``{"error": {"code", "message", "fields"}}``."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers
from rest_framework.views import exception_handler as drf_exception_handler


def _first_message(data) -> str:
    if isinstance(data, dict):
        for key, value in data.items():
            inner = _first_message(value)
            return inner if key in ("detail", "non_field_errors") else f"{key}: {inner}"
        return ""
    if isinstance(data, list):
        return _first_message(data[0]) if data else ""
    return str(data)


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    code = getattr(exc, "default_code", "error")
    fields = data if isinstance(data, dict) and "detail" not in data else {}
    response.data = {"error": {"code": code, "message": _first_message(data), "fields": fields}}
    return response


# ----------------------------------------------------------------------------- the schema


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Stable, for programs: not_authenticated, permission_denied, not_found, "
        "invalid, conflict, throttled ..."
    )
    message = serializers.CharField(help_text="The first problem, for people.")
    fields = serializers.DictField(
        help_text="Messages per input field (a 400 on input); {} otherwise."
    )


class ErrorSerializer(serializers.Serializer):
    """The body of every error answer (see docs/api.md)."""

    error = ErrorDetailSerializer()


def error_example(name: str, status: int, code: str, message: str, **fields: list[str]):
    """An example error body as :func:`exception_handler` renders it."""
    return OpenApiExample(
        name,
        value={"error": {"code": code, "message": message, "fields": fields}},
        status_codes=[str(status)],
        response_only=True,
    )


def error_response(description: str, *examples: OpenApiExample) -> OpenApiResponse:
    """A documented error answer in the portal's format, for ``extend_schema(responses=...)``."""
    return OpenApiResponse(ErrorSerializer, description=description, examples=list(examples))
