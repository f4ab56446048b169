from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ..models import AuditEvent
from .examples import AUDIT_EVENT_EXAMPLES


@extend_schema_serializer(examples=AUDIT_EVENT_EXAMPLES)
class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor",
            "actor_role",
            "source",
            "source_address",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "result",
            "request_id",
            "detail",
        ]
        read_only_fields = fields
