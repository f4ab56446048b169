"""The machinery every inventory list page shares: filter, search, sort, page, or CSV.

A list page is a :class:`ListSpec` plus a template. Its URL says everything it shows (filters,
``q``, ``sort``, ``page``), so a view can be bookmarked, and ``?format=csv`` streams the same
rows (all pages, same filters and order) as CSV.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django_filters import FilterSet

from inventory.models import Cluster, Endpoint, Host
from portal.csv_export import Column, stream_csv
from portal.pages import paginate, query_without, render_live_list, sorted_queryset
from portal.security.scopes import scoped

__all__ = ["Column", "ListSpec", "list_page", "search"]


@dataclass(frozen=True)
class ListSpec:
    """What one list page filters, searches and sorts by, and what its CSV holds."""

    template: str
    filterset: type[FilterSet]
    search_fields: tuple[str, ...]
    sort_fields: tuple[str, ...]
    default_sort: str
    csv_name: str
    csv_columns: tuple[Column, ...]
    # Which filter controls the page shows beyond q, endpoint, platform and absent.
    controls: frozenset[str] = field(default_factory=frozenset)
    # Lookups to the endpoint and cluster for the object scopes; empty: the model's own.
    scope_fields: tuple[str | None, ...] = ()
    # Live rows: while ``live(page)`` holds, the page polls ``?…&fragment=rows``, which renders
    # ``rows_template`` alone (static/js/live.js swaps it in).
    rows_template: str = ""
    live: Callable[[Any], bool] | None = None


def search(qs: QuerySet, fields: Iterable[str], q: str) -> QuerySet:
    """Rows where any of ``fields`` contains ``q`` (any case)."""
    terms = [Q(**{f"{name}__icontains": q}) for name in fields]
    return qs.filter(reduce(or_, terms)) if q and terms else qs


def filter_choices(controls: frozenset[str], user: Any = None) -> dict[str, Any]:
    """Options for the filter selects: one query per select shown, whatever the row count.

    Each is narrowed to ``user``'s object scopes: an option names an object as a row does.
    """

    def visible(qs: QuerySet) -> QuerySet:
        return qs if user is None else scoped(user, qs)

    choices: dict[str, Any] = {
        "endpoint_choices": list(
            visible(Endpoint.objects.all()).order_by("name").values_list("pk", "name")
        ),
        "platform_choices": Endpoint.Kind.choices,
    }
    if "cluster" in controls:
        choices["cluster_choices"] = list(
            visible(Cluster.objects.present()).order_by("name").values_list("pk", "name")
        )
    if "host" in controls:
        choices["host_choices"] = list(
            visible(Host.objects.present()).order_by("name").values_list("pk", "name")
        )
    return choices


def list_page(
    request: HttpRequest,
    spec: ListSpec,
    queryset: QuerySet,
    extra: dict[str, Any] | None = None,
    rows: Callable[[QuerySet], Iterator[Any]] | None = None,
) -> HttpResponse:
    """Render ``spec.template`` with one page of ``queryset``, or stream all of it as CSV.

    Invalid filter values are ignored and reported in the form (``filters.errors``) rather
    than failing the page. The rows are narrowed to the user's object scopes first.
    """
    queryset = scoped(request.user, queryset, *spec.scope_fields)
    filters = spec.filterset(request.GET, queryset=queryset)  # always bound: defaults apply
    qs = filters.qs
    q = request.GET.get("q", "").strip()
    qs = search(qs, spec.search_fields, q)
    qs, sort = sorted_queryset(request, qs, spec.sort_fields, spec.default_sort)
    if request.GET.get("format") == "csv":
        return stream_csv(qs.iterator(chunk_size=500), spec.csv_columns, spec.csv_name)
    context = {
        "page": paginate(request, qs),
        "filters": filters,
        "values": request.GET,
        "q": q,
        "sort": sort,
        "controls": spec.controls,
        "base_query": query_without(request, "page", "format"),
        "sort_query": query_without(request, "page", "format", "sort"),
        **filter_choices(spec.controls, request.user),
        **(extra or {}),
    }
    context["live"] = bool(spec.live and spec.live(context["page"]))
    return render_live_list(request, spec.template, spec.rows_template, context)
