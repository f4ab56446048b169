import django_filters

from ..models import AuditEvent
from .time_filters import UtcIsoDateTimeFilter


class AuditEventFilter(django_filters.FilterSet):
    since = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    until = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = AuditEvent
        fields = ["actor", "action", "result", "source", "target_type", "target_id", "request_id"]
