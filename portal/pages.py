"""Helpers shared by server-rendered list pages: sorting and pagination (role checks: access)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .access import role_required

__all__ = [
    "paginate",
    "query_without",
    "render_form",
    "render_live_list",
    "role_required",
    "service_call",
    "service_errors",
    "sorted_queryset",
]


def sorted_queryset(
    request: HttpRequest, qs: QuerySet, allowed: Iterable[str], default: str
) -> tuple[QuerySet, str]:
    """Order by ``?sort=field`` or ``?sort=-field`` when the field is in ``allowed``.

    Empty values sort as PostgreSQL sorts them (last going up, first going down) on SQLite too,
    which by itself puts them first going up.
    """
    sort = request.GET.get("sort", default)
    if sort.lstrip("-") not in set(allowed):
        sort = default
    field = F(sort.lstrip("-"))
    order = field.desc(nulls_first=True) if sort.startswith("-") else field.asc(nulls_last=True)
    return qs.order_by(order, "pk"), sort


def paginate(request: HttpRequest, qs: QuerySet, per_page: int = 50):
    try:
        size = min(max(int(request.GET.get("page_size", per_page)), 10), 500)
    except ValueError:
        size = per_page
    return Paginator(qs, size).get_page(request.GET.get("page"))


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string without ``names``, for links that change one parameter."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


def render_live_list(
    request: HttpRequest, template: str, rows_template: str, context: dict
) -> HttpResponse:
    """The list page, or for ``?fragment=rows`` its rows alone (``static/js/live.js`` swaps
    them in). While ``context["live"]`` is false the rows carry ``X-Live-Done``: live.js stops."""
    if rows_template and request.GET.get("fragment") == "rows":
        response = render(request, rows_template, context)
        if not context.get("live"):
            response["X-Live-Done"] = "1"
        return response
    return render(request, template, context)


def service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: errors of a field the form has go beside that field,
    the rest (and a refusal that names no field) on top."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


T = TypeVar("T")


def service_call(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[], T],
    success: Callable[[T], str] | None = None,
) -> T | None:
    """Run ``call`` (a service, for a valid ``form``). Its refusal goes on the form
    (:func:`service_errors`) and the answer is None; otherwise the message ``success`` makes of
    the result, if any, is shown and the result returned."""
    try:
        result = call()
    except ValidationError as exc:
        service_errors(form, exc)
        return None
    if success is not None:
        messages.success(request, success(result))
    return result


def render_form(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """Render a page with a form (``context["form"]``): 400 while the form has errors, so a
    refused submission never answers as a success."""
    return render(request, template, context, status=400 if context["form"].errors else 200)
