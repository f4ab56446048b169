"""Portal pages: home, the audit trail and the status page."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import health
from .dashboard import dashboard_data
from .models import AuditEvent
from .pages import paginate, query_without, role_required, sorted_queryset
from .roles import AUDITOR, SECURITY_OFFICER
from .security.scopes import is_scoped


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The overview dashboard (first page after login); tiles from :mod:`portal.dashboard`."""
    return render(request, "portal/home.html", dashboard_data(request.user))


@require_safe
@role_required(SECURITY_OFFICER, AUDITOR)
def audit_list(request):
    qs = AuditEvent.objects.all()
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(actor__icontains=q) | Q(action__icontains=q) | Q(target_repr__icontains=q))
    for name in ("action", "result", "source", "actor"):
        value = request.GET.get(name, "").strip()
        if value:
            qs = qs.filter(**{name: value})
    qs, sort = sorted_queryset(
        request, qs, ["occurred_at", "actor", "action", "result"], "-occurred_at"
    )
    return render(
        request,
        "portal/audit_list.html",
        {
            "page": paginate(request, qs),
            "sort": sort,
            "q": q,
            "filters": {n: request.GET.get(n, "") for n in ("action", "result", "source", "actor")},
            "results": AuditEvent.Result.choices,
            "sources": AuditEvent.Source.choices,
            "base_query": query_without(request, "page"),
        },
    )


@require_safe
def status(request):
    details = not is_scoped(request.user)
    return render(request, "portal/status.html", {"checks": health.full_status(details=details)})
