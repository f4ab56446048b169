from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import APIRootView
from rest_framework.views import APIView

from .. import search as global_search
from ..models import AuditEvent
from ..roles import AUDITOR, ROLES, SECURITY_OFFICER, RolePermission
from ..security.audit_scope import visible_events
from .filters import AuditEventFilter
from .serializers import AuditEventSerializer, SearchAnswerSerializer


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


class SearchView(APIView):
    """The global search: VMs, hosts, datastores, networks, snapshots and open findings.

    By part of the name, the platform's id (exactly) or a host's management address; grouped by
    kind, at most ``limit`` per kind, narrowed to the caller's scopes (nothing outside them is
    named or counted). Fewer than 2 characters find nothing. The header's search box asks this.
    """

    read_roles = ROLES
    write_roles = ()
    filter_backends: list = []

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, description="name, platform id or address (2-200 chars)"
            )
        ],
        responses=SearchAnswerSerializer,
    )
    def get(self, request: Request) -> Response:
        text = request.query_params.get("q", "").strip()[:200]
        groups = [
            {
                "kind": kind,
                "label": str(label),
                "more": more,
                "results": [hit.as_dict(kind) for hit in hits],
            }
            for kind, label, hits, more in global_search.search(request.user, text)
        ]
        return Response({"q": text, "limit": global_search.LIMIT, "groups": groups})
