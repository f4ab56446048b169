"""URL map. Every route needs login (LoginRequiredMiddleware) except login, /healthz and
/metrics (a bearer token and/or allowed networks instead, refused to all while neither is set).

Every view declares who may use it (portal.access); one that does not answers 403 to everyone
and fails tests/portal/test_deny_by_default.py.
"""

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from . import audit_views, dashboard, health, task_views, views
from .access import signed_in
from .api.views import SchemaView, SwaggerView
from .sso.views import LogoutView

api_patterns = [
    path("", include("portal.api.urls")),
    # Before the read-only inventory routes: DELETE /api/snapshots/{id}/ and the snapshot
    # actions are served there and must win over the router's read-only detail route.
    path("", include("operations.api.urls")),
    path("", include("inventory.api.urls")),
    path("", include("compliance.api.urls")),
    path("schema/", SchemaView.as_view(), name="schema"),
    # The split view serves its start-up script as a file of its own (no inline script).
    path(
        "docs/",
        SwaggerView.as_view(url_name="schema", template_name="api_docs.html"),
        name="swagger-ui",
    ),
]

handler403 = "portal.security.errors.permission_denied"
handler404 = "portal.security.errors.not_found"
handler500 = "portal.security.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/fragment/", dashboard.dashboard_fragment, name="dashboard-fragment"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("status/", views.status, name="status"),
    path("search/", views.search, name="search"),
    path("audit/", audit_views.audit_list, name="audit-list"),
    path("audit/export.csv", audit_views.audit_export_csv, name="audit-export-csv"),
    path("audit/export.jsonl", audit_views.audit_export_jsonl, name="audit-export-jsonl"),
    path("tasks/", task_views.task_list, name="task-list"),
    path("tasks/<str:kind>/<int:pk>/", task_views.task_detail, name="task-detail"),
    path("", include("portal.security.urls")),  # login, second factor, API tokens
    path("", include("portal.sso.urls")),  # single sign-on (OIDC)
    path("logout/", signed_in(LogoutView.as_view()), name="logout"),  # also at the provider
    path("i18n/setlang/", signed_in(set_language), name="set_language"),
    path("api/", include(api_patterns)),
    # One login page only, the portal's own (it enforces the second factor and the lockout).
    # Django's admin is for staff accounts (resetting a lost TOTP device); anyone else who is
    # logged in gets the 403 page instead of a redirect back and forth between the two logins.
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("", include("operations.urls")),
    path("", include("inventory.urls")),
    path("", include("compliance.urls")),
    path("", include("notifications.urls")),
    path("", include("metrics.urls")),  # /metrics: token or networks, not roles
]
