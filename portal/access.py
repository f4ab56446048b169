"""Deny by default: every view declares who may use it, and undeclared views answer 403.

Three kinds of declaration, read by :func:`declared_access`:

- Pages (function or class views) carry ``portal_access``: a tuple of role names from
  :func:`role_required`, :data:`PUBLIC` from :func:`public` (login, ``/healthz``) or
  :data:`SIGNED_IN` from :func:`signed_in` (logout, second-factor enrolment and language switch:
  a signed-in user without a role may still leave, enrol and read the login page in German).
- API views (DRF) declare ``read_roles`` and ``write_roles`` on the class itself;
  :class:`portal.roles.RolePermission` enforces them and refuses a view that declares none.
- The Django admin site keeps its own check (staff and model permissions).

:class:`DeclaredAccessMiddleware` enforces the page declarations before any view runs, so a
forgotten decorator cannot leak a page: the view answers 403 for everyone, and
``tests/portal/test_deny_by_default.py`` walks the URL conf and fails for it. The decorator
checks once more inside the view (defence in depth; views are sometimes called directly).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .roles import role_of

PUBLIC = "public"
SIGNED_IN = "signed-in"
API = "api"
ADMIN_SITE = "admin-site"

ATTRIBUTE = "portal_access"


def role_required(*roles: str) -> Callable:
    """Refuse (403, audited by middleware) users whose role is not in ``roles``."""
    if not roles:
        raise ValueError("role_required() needs at least one role")

    def decorator(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            if role_of(request.user) not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        setattr(wrapper, ATTRIBUTE, tuple(roles))
        wrapper.portal_access_checked = True  # the wrapper checks; the middleware need not
        return wrapper

    return decorator


def public(view: Callable) -> Callable:
    """No login at all: the login page, the health probe and /metrics (which checks its own
    token and networks), nothing else."""
    view = login_not_required(view)
    setattr(view, ATTRIBUTE, PUBLIC)
    return view


def signed_in(view: Callable) -> Callable:
    """Any signed-in user, with or without a role (logout, second factor, language)."""
    setattr(view, ATTRIBUTE, SIGNED_IN)
    return view


def declared_access(view: Callable) -> str | tuple[str, ...] | None:
    """What ``view`` declares: roles, PUBLIC, SIGNED_IN, API, ADMIN_SITE, or None (nothing)."""
    declared = getattr(view, ATTRIBUTE, None)
    if declared is None:
        view_class = getattr(view, "view_class", None)
        declared = getattr(view_class, ATTRIBUTE, None) if view_class else None
    if declared is not None:
        return declared
    api_class = getattr(view, "cls", None)  # DRF's as_view() keeps the class here
    if api_class is not None:
        names = dir(api_class)
        return API if "read_roles" in names and "write_roles" in names else None
    if _is_admin_view(view):
        return ADMIN_SITE
    return None


def _is_admin_view(view: Callable) -> bool:
    """True for views of the Django admin site (its own staff check guards them)."""
    from django.contrib.admin import AdminSite
    from django.contrib.admin.options import BaseModelAdmin

    if getattr(view, "admin_site", None) is not None or getattr(view, "model_admin", None):
        return True
    layer, seen = view, 0
    while layer is not None and seen < 20:  # the decorators' chain, down to the bound method
        if isinstance(getattr(layer, "__self__", None), AdminSite | BaseModelAdmin):
            return True
        layer, seen = getattr(layer, "__wrapped__", None), seen + 1
    return False


class DeclaredAccessMiddleware:
    """Enforce :func:`declared_access` before the view runs (after login and second factor).

    Anonymous requests were already sent to the login page by ``LoginRequiredMiddleware``
    (pages) or are refused by DRF (API). A signed-in user without a role gets 403 on every
    page except the PUBLIC and SIGNED_IN ones (and the admin site for staff).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs) -> Any:
        declared = declared_access(view_func)
        if declared is None:
            raise PermissionDenied("This route declares no role requirement.")
        if declared in (PUBLIC, SIGNED_IN, API):
            return None  # the API's RolePermission checks the role of the token or session
        user = request.user
        if not user.is_authenticated:
            return None  # the admin site sends anonymous users to the login page itself
        if declared == ADMIN_SITE:
            if not (role_of(user) or user.is_staff):
                raise PermissionDenied
            return None
        role = role_of(user)
        if not role:
            raise PermissionDenied
        if role not in declared and not getattr(view_func, "portal_access_checked", False):
            raise PermissionDenied
        # A role_required view checks the role itself, after the method check of the
        # decorators above it (a GET to a POST-only page stays 405 for every role).
        return None
