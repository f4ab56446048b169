"""Portal pages: home, the status page, the favicon, the admin login (the audit trail:
``portal.audit_views``; the task log: ``portal.task_views``)."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.http import require_safe

from . import health
from . import search as global_search
from .access import public
from .dashboard import dashboard_data
from .pages import role_required
from .roles import ROLES
from .security.scopes import is_scoped


@require_safe
@role_required(*ROLES)
def home(request: HttpRequest) -> HttpResponse:
    """The overview dashboard (first page after login); tiles from :mod:`portal.dashboard`."""
    return render(request, "portal/home.html", dashboard_data(request.user))


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
