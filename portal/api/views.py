from rest_framework import viewsets

from ..models import AuditEvent
from ..roles import AUDITOR, SECURITY_OFFICER
from .filters import AuditEventFilter
from .serializers import AuditEventSerializer


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail, newest first, for security officers and auditors.

    Read-only: no route can change or delete an event. Administrators, whose actions the trail
    records, do not review it themselves (separation of duties).
    """

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilter
    search_fields = ["actor", "action", "target_repr"]
    ordering_fields = ["occurred_at", "actor", "action"]
    read_roles = (SECURITY_OFFICER, AUDITOR)
    write_roles = ()
