from rest_framework import serializers

from ..models import AuditEvent


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
