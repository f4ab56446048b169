from __future__ import annotations

from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from inventory.models import Cluster, Endpoint
from portal.security.scopes import is_scoped, scoped

from ..choices import ObjectType, Resolution
from ..models import CheckMapping, CheckRun, Finding, Requirement, RequirementSentence, Waiver
from ..scoping import run_summary_for
from ..services.status import contributions
from . import examples


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related id the requesting user may see; one outside the user's scope does not exist."""

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        return queryset.none() if request is None else scoped(request.user, queryset)


class MappingLineSerializer(serializers.ModelSerializer):
    check = serializers.CharField(source="check_id")

    class Meta:
        model = CheckMapping
        fields = ["check", "rationale"]
        read_only_fields = fields


class SentenceSerializer(serializers.ModelSerializer):
    """One MUSS/SOLLTE/DARF NICHT sentence of the Kompendium and the checks that test it."""

    checks = MappingLineSerializer(source="mappings", many=True, read_only=True)

    class Meta:
        model = RequirementSentence
        fields = ["number", "modal", "text", "checks"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.REQUIREMENT_EXAMPLES)
class RequirementSerializer(serializers.ModelSerializer):
    sentences = SentenceSerializer(many=True, read_only=True)
    maps_to = serializers.SerializerMethodField(
        help_text="M 4.349 items: the SYS.1.5 requirements their checks test a sentence of"
    )

    class Meta:
        model = Requirement
        fields = [
            "ref",
            "catalog",
            "title_de",
            "title_en",
            "level",
            "role",
            "withdrawn",
            "text",
            "note",
            "sentences",
            "maps_to",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_maps_to(self, requirement) -> list[str]:
        if "contributions" not in self.context:
            self.context["contributions"] = contributions()
        return self.context["contributions"].get(requirement.ref, [])


class ParameterSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField()
    default = serializers.JSONField()
    value = serializers.JSONField()
    minimum = serializers.FloatField(allow_null=True)
    maximum = serializers.FloatField(allow_null=True)
    unit = serializers.CharField()


@extend_schema_serializer(examples=examples.CHECK_EXAMPLES)
class CheckSerializer(serializers.Serializer):
    id = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    requirements = serializers.ListField(child=serializers.CharField())
    severity = serializers.CharField()
    target = serializers.CharField()
    platforms = serializers.ListField(child=serializers.CharField())
    enabled = serializers.BooleanField()
    parameters = ParameterSerializer(many=True)


@extend_schema_serializer(examples=examples.CHECK_UPDATE_EXAMPLES)
class CheckUpdateSerializer(serializers.Serializer):
    parameters = serializers.DictField(child=serializers.JSONField(), required=False, default=dict)
    enabled = serializers.BooleanField(required=False, allow_null=True, default=None)


class PathSegmentSerializer(serializers.Serializer):
    """One step of a finding's path: endpoint, cluster, host, VM, then the object itself."""

    type = serializers.ChoiceField(choices=ObjectType.choices)
    id = serializers.IntegerField(help_text="the portal's id of the object")
    name = serializers.CharField()
    external_id = serializers.CharField(
        help_text="the platform's id: vCenter moref, Proxmox node/NAME, qemu/100, storage id"
    )


@extend_schema_serializer(examples=examples.FINDING_EXAMPLES)
class FindingSerializer(serializers.ModelSerializer):
    endpoint_name = serializers.CharField(source="endpoint.name", read_only=True)
    display_status = serializers.CharField(read_only=True)
    waived = serializers.BooleanField(source="is_waived", read_only=True)
    path = PathSegmentSerializer(many=True, read_only=True)
    resolution = serializers.ChoiceField(
        choices=Resolution.choices,
        allow_blank=True,
        read_only=True,
        help_text="why a resolved finding is no longer open; empty while open",
    )

    class Meta:
        model = Finding
        fields = [
            "id",
            "check_id",
            "endpoint",
            "endpoint_name",
            "cluster",
            "object_type",
            "object_id",
            "object_name",
            "object_external_id",
            "object_path",
            "path",
            "status",
            "display_status",
            "waived",
            "waiver",
            "severity",
            "message",
            "evidence",
            "first_seen",
            "last_seen",
            "resolved_at",
            "resolution",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.RUN_OUTCOME_EXAMPLES)
class RunOutcomeSerializer(serializers.Serializer):
    """One run's word on one object under one check (kept per run, never rewritten)."""

    run_id = serializers.IntegerField()
    at = serializers.DateTimeField(allow_null=True, help_text="when the run finished")
    status = serializers.ChoiceField(
        choices=["pass", "fail", "warning", "error", "not_judged"],
        help_text="not_judged: the run did not judge the object (gone, not applicable, check off)",
    )
    message = serializers.CharField(allow_blank=True)
    evidence = serializers.DictField(help_text="what the run read on the object")


@extend_schema_serializer(examples=examples.CHECK_RUN_EXAMPLES)
class CheckRunSerializer(serializers.ModelSerializer):
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    requirement_summary = serializers.SerializerMethodField()

    @extend_schema_field(serializers.DictField())
    def get_requirement_summary(self, run: CheckRun) -> dict:
        """Counts of requirement statuses per catalog; a scoped user reads its endpoint's only."""
        request = self.context.get("request")
        return run_summary_for(request.user, run) if request else run.requirement_summary

    class Meta:
        model = CheckRun
        fields = [
            "id",
            "endpoint",
            "status",
            "trigger",
            "requested_by",
            "queued_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "counts",
            "requirement_summary",
            "error",
            "progress",
        ]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.CHECK_RUN_CREATE_EXAMPLES)
class CheckRunCreateSerializer(serializers.Serializer):
    endpoint = ScopedPrimaryKeyRelatedField(
        queryset=Endpoint.objects.all(), required=False, allow_null=True, default=None
    )

    def validate(self, attrs):
        request = self.context.get("request")
        if attrs.get("endpoint") is None and request is not None and is_scoped(request.user):
            # A run over all endpoints would reach beyond the user's scope.
            raise serializers.ValidationError({"endpoint": "Choose one of your endpoints."})
        return attrs


@extend_schema_serializer(examples=examples.WAIVER_EXAMPLES)
class WaiverSerializer(serializers.ModelSerializer):
    state = serializers.CharField(read_only=True)
    # Declared: as a read-only model field it would lose allow_blank, and the schema would
    # refuse the "" of endpoint and cluster waivers.
    object_type = serializers.ChoiceField(
        choices=ObjectType.choices, allow_blank=True, read_only=True
    )
    finding = ScopedPrimaryKeyRelatedField(
        queryset=Finding.objects.all(), required=False, allow_null=True, write_only=True
    )
    endpoint = ScopedPrimaryKeyRelatedField(
        queryset=Endpoint.objects.all(), required=False, allow_null=True
    )
    cluster = ScopedPrimaryKeyRelatedField(
        queryset=Cluster.objects.all(), required=False, allow_null=True
    )
    expires_at = serializers.DateTimeField(required=True)
    reason = serializers.CharField(required=True, allow_blank=False)

    class Meta:
        model = Waiver
        fields = [
            "id",
            "check_id",
            "scope",
            "endpoint",
            "cluster",
            "finding",
            "object_type",
            "object_id",
            "object_name",
            "reason",
            "expires_at",
            "state",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
        ]
        read_only_fields = [
            "object_type",
            "object_id",
            "object_name",
            "state",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "revoked_at",
            "revoked_by",
            "revoke_reason",
        ]


@extend_schema_serializer(examples=examples.WAIVER_REVOKE_EXAMPLES)
class WaiverRevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000,
        help_text="Why the waiver ends early (kept with it and in the audit trail).",
    )


class CheckStateSerializer(serializers.Serializer):
    check_id = serializers.CharField()
    title = serializers.CharField()
    state = serializers.CharField()
    evaluated = serializers.IntegerField()
    passed = serializers.IntegerField()
    open = serializers.IntegerField()
    waived = serializers.IntegerField()
    not_applicable = serializers.IntegerField()
    reason = serializers.CharField()


class SentenceStatusSerializer(serializers.Serializer):
    """A SYS.1.5 sentence's status from the checks mapped to it (none: not checked)."""

    number = serializers.IntegerField(source="sentence.number")
    modal = serializers.CharField(source="sentence.modal")
    status = serializers.CharField()
    checks = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_checks(self, state) -> list[str]:
        return [m.check.check_id for m in state.mapped]


class RequirementStatusSerializer(serializers.Serializer):
    ref = serializers.CharField(source="requirement.ref")
    catalog = serializers.CharField(source="requirement.catalog")
    title_en = serializers.CharField(source="requirement.title_en")
    title_de = serializers.CharField(source="requirement.title_de")
    level = serializers.CharField(source="requirement.level")
    status = serializers.CharField()
    open_findings = serializers.IntegerField()
    sources = serializers.ListField(child=serializers.CharField())
    checks = CheckStateSerializer(many=True)
    sentences = SentenceStatusSerializer(many=True)
    evidence = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_evidence(self, state) -> str:
        return f"/api/compliance/findings/?requirement={state.requirement.ref}"
