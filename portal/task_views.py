"""The task log page (``/tasks/``) and the detail page of a run (``/tasks/<kind>/<id>/``).

What the list holds comes from the apps (:mod:`portal.tasklog`). The rows update live while
something on the page has not ended: ``static/js/live.js`` fetches ``?fragment=rows`` every
2 s and stops when the answer carries ``X-Live-Done`` (no inline script: strict CSP).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from . import tasklog
from .pages import query_without, render_live_list, role_required
from .roles import ROLES
from .runs import RunStatus

FILTERS = ("kind", "status", "endpoint", "who", "since", "until")


@require_safe
@role_required(*ROLES)
def task_list(request: HttpRequest) -> HttpResponse:
    errors: dict[str, str] = {}
    try:
        filters = tasklog.parse_filters(request.GET)
    except tasklog.FilterError as exc:
        errors, filters = exc.errors, None
    number, size = tasklog.parse_page(request.GET)
    page = (
        tasklog.task_page(request.user, filters, number, size)
        if filters is not None
        else tasklog.TaskPage(rows=[], number=1, size=size, has_next=False)
    )
    context = {
        "page": page,
        "live": page.live,
        "errors": errors,
        "values": {name: request.GET.get(name, "") for name in FILTERS},
        "kinds": tasklog.kind_choices(),
        "statuses": RunStatus.choices,
        "endpoints": tasklog.endpoint_choices(request.user),
        "base_query": query_without(request, "page", "fragment"),
    }
    response = render_live_list(request, "portal/task_list.html", "portal/_task_rows.html", context)
    if errors:
        response.status_code = 400
    return response


@require_safe
@role_required(*ROLES)
def task_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """A sync, check or policy run; operations have their own page (with their step log)."""
    row = tasklog.task_row(request.user, kind, pk)
    if row is None:
        raise Http404
    context = {"row": row, "live": row.active, "kind_label": dict(tasklog.kind_choices())[kind]}
    return render_live_list(request, "portal/task_detail.html", "portal/_task_facts.html", context)
