"""URL map. Every route needs login (LoginRequiredMiddleware) except login and /healthz.

Every view declares who may use it (portal.access); one that does not answers 403 to everyone
and fails tests/portal/test_deny_by_default.py.
"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import set_language

from . import dashboard, health, views
from .access import public, signed_in
from .api.views import SchemaView, SwaggerView

api_patterns = [
    path("", include("portal.api.urls")),
    # Before the read-only inventory routes: DELETE /api/snapshots/{id}/ and the snapshot
    # actions are served there and must win over the router's read-only detail route.
    path("", include("inventory.api.operation_urls")),
    path("", include("inventory.api.urls")),
    path("", include("compliance.api.urls")),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", SwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

handler404 = "portal.security.errors.not_found"
handler500 = "portal.security.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/fragment/", dashboard.dashboard_fragment, name="dashboard-fragment"),
    path("healthz", health.healthz, name="healthz"),
    path("status/", views.status, name="status"),
    path("audit/", views.audit_list, name="audit-list"),
    path("", include("portal.security.urls")),  # login, second factor, API tokens
    path("logout/", signed_in(auth_views.LogoutView.as_view()), name="logout"),
    path("i18n/setlang/", signed_in(set_language), name="set_language"),
    path("api/", include(api_patterns)),
    # One login page only, the portal's own (it enforces the second factor and the lockout).
    path("admin/login/", public(RedirectView.as_view(pattern_name="login", query_string=True))),
    path("admin/", admin.site.urls),
    path("", include("inventory.operation_urls")),
    path("", include("inventory.urls")),
    path("", include("compliance.urls")),
]
