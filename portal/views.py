"""Portal pages: home, the audit trail, the status page, the favicon, the admin login."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from . import health
from . import search as global_search
from .access import public
from .dashboard import dashboard_data
from .models import AuditEvent
from .pages import paginate, query_without, role_required, sorted_queryset
from .roles import AUDITOR, ROLES, SECURITY_OFFICER
from .security.audit_scope import visible_events
from .security.scopes import is_scoped


@require_safe
@role_required(*ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """The overview dashboard (first page after login); tiles from :mod:`portal.dashboard`."""
    return render(request, "portal/home.html", dashboard_data(request.user))


@require_safe
@role_required(SECURITY_OFFICER, AUDITOR)
def audit_list(request):
    qs = visible_events(request.user, AuditEvent.objects.all())
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
@public
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on their own (also the login page and JSON answers)."""
    return HttpResponsePermanentRedirect(static("favicon.ico"))


@public
def admin_login(request: HttpRequest) -> HttpResponse:
    """Stands in for the admin site's own login: the portal's login, or 403 when logged in.

    The admin site sends a logged-in user who is not staff to its login page; sending them on
    to the portal's login (which sends a logged-in user back to ``next``) was a redirect loop.
    """
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next") or "/admin/")


@require_safe
@role_required(*ROLES)
def status(request):
    details = not is_scoped(request.user)
    return render(request, "portal/status.html", {"checks": health.full_status(details=details)})


@require_safe
@role_required(*ROLES)
def search(request: HttpRequest) -> HttpResponse:
    """One box for VMs, hosts, datastores, networks, snapshots and findings (scoped)."""
    text = request.GET.get("q", "").strip()[:200]
    results = global_search.search(request.user, text)
    return render(
        request,
        "portal/search.html",
        {
            "q": text,
            "results": results,
            "too_short": 0 < len(text) < global_search.MIN_LENGTH,
            "limit": global_search.LIMIT,
        },
    )
