from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import viewsets
from rest_framework.routers import APIRootView

from ..models import AuditEvent
from ..roles import AUDITOR, ROLES, SECURITY_OFFICER, RolePermission
from ..security.audit_scope import visible_events
from .filters import AuditEventFilter
from .serializers import AuditEventSerializer


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, newest first, for security officers and auditors.

    Read-only: no route can change or delete an event. Administrators, whose actions the trail
    records, do not review it themselves (separation of duties). A scoped reader sees the events
    about objects in the scope and those about no inventory object (``visible_events``).
    """

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    search_fields = ["actor", "action", "target_repr"]
    ordering_fields = ["occurred_at", "actor", "action"]
    read_roles = (SECURITY_OFFICER, AUDITOR)
    write_roles = ()

    def get_queryset(self):
        return visible_events(self.request.user, super().get_queryset())


class ApiRootView(APIRootView):
    """The list of collections: every role reads it, nobody writes."""

    read_roles = ROLES
    write_roles = ()


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, for every role (not for signed-in users without one)."""

    permission_classes = [RolePermission]
    read_roles = ROLES
    write_roles = ()


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI over :class:`SchemaView`, for every role."""

    permission_classes = [RolePermission]
    read_roles = ROLES
    write_roles = ()
