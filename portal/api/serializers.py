from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from ..models import AuditEvent
from .examples import AUDIT_EVENT_EXAMPLES, SEARCH_EXAMPLES


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


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="vm, host, datastore, network, snapshot, finding")
    name = serializers.CharField()
    path = serializers.CharField(help_text="where it stands: endpoint / cluster / host / name")
    platform_id = serializers.CharField(help_text="the platform's id: vm-42, qemu/100, node/pve1")
    url = serializers.CharField(help_text="the portal page that shows it")
    note = serializers.CharField(help_text="addresses, or a finding's message")


class SearchGroupSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField(help_text="the kind's name in the reader's language")
    more = serializers.BooleanField(help_text="true: only the first `limit` are listed")
    results = SearchHitSerializer(many=True)


@extend_schema_serializer(examples=SEARCH_EXAMPLES)
class SearchAnswerSerializer(serializers.Serializer):
    q = serializers.CharField()
    limit = serializers.IntegerField()
    groups = SearchGroupSerializer(many=True)
