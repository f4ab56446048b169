"""The Grundschutz-Check in the API: target objects, their Schutzbedarf, assessments, effective status.

Everyone reads; security officers create targets, set their protection need and assess. Object
scopes narrow targets like every list (a target on an endpoint or cluster outside the scope does
not exist; the estate and tag groups over all endpoints are outside every scope).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from inventory.models import Cluster, Endpoint
from portal.roles import ROLES, SECURITY_OFFICER
from portal.security.scopes import is_scoped

from ..choices import (
    EffectiveStatus,
    Implementation,
    ProtectionNeed,
    RequirementStatus,
    TargetKind,
)
from ..models import Assessment, AssessmentVersion, Requirement, TargetObject
from ..protection import effective_needs, overall
from ..services.assessments import (
    assessable,
    assessment_save,
    grundschutz_check,
    target_create,
    target_update,
)
from . import examples
from .serializers import ScopedPrimaryKeyRelatedField


def _drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    )


class NeedsSerializer(serializers.Serializer):
    confidentiality = serializers.ChoiceField(choices=ProtectionNeed.choices)
    integrity = serializers.ChoiceField(choices=ProtectionNeed.choices)
    availability = serializers.ChoiceField(choices=ProtectionNeed.choices)


@extend_schema_serializer(examples=examples.TARGET_EXAMPLES)
class TargetObjectSerializer(serializers.ModelSerializer):
    """A target object; ``effective_needs`` adds what it inherits (maximum principle) and
    ``elevated`` says whether the "erhöht" requirements (level H) apply to it."""

    endpoint = ScopedPrimaryKeyRelatedField(
        queryset=Endpoint.objects.all(), required=False, allow_null=True
    )
    cluster = ScopedPrimaryKeyRelatedField(
        queryset=Cluster.objects.all(), required=False, allow_null=True
    )
    # Declared: the model's partial unique constraints would add validators the service does
    # better (it names the field of a duplicate).
    kind = serializers.ChoiceField(choices=TargetKind.choices)
    name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    tag = serializers.CharField(max_length=100, required=False, allow_blank=True)
    need_justification = serializers.CharField(required=False, allow_blank=True)
    effective_needs = NeedsSerializer(read_only=True, source="inherited_needs")
    elevated = serializers.BooleanField(read_only=True, source="inherited_elevated")

    class Meta:
        model = TargetObject
        fields = [
            "id",
            "kind",
            "name",
            "endpoint",
            "cluster",
            "tag",
            "confidentiality",
            "integrity",
            "availability",
            "need_justification",
            "effective_needs",
            "elevated",
            "created_by",
            "created_at",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = ["created_by", "created_at", "updated_by", "updated_at"]
        # Duplicates are refused by the service, naming the field (the constraints are partial).
        validators: list = []


@extend_schema_serializer(examples=examples.TARGET_UPDATE_EXAMPLES)
class TargetUpdateSerializer(serializers.Serializer):
    """What an officer may change of a target: its name and its protection need."""

    name = serializers.CharField(max_length=255, required=False)
    confidentiality = serializers.ChoiceField(choices=ProtectionNeed.choices, required=False)
    integrity = serializers.ChoiceField(choices=ProtectionNeed.choices, required=False)
    availability = serializers.ChoiceField(choices=ProtectionNeed.choices, required=False)
    need_justification = serializers.CharField(required=False, allow_blank=True)


class AssessmentVersionSerializer(serializers.ModelSerializer):
    changes = serializers.DictField(child=serializers.ListField(allow_null=True), read_only=True)

    class Meta:
        model = AssessmentVersion
        fields = [
            "version",
            "status",
            "justification",
            "responsible",
            "due_date",
            "last_review",
            "next_review",
            "changes",
            "changed_by",
            "changed_at",
        ]
        read_only_fields = fields


class AssessmentSerializer(serializers.ModelSerializer):
    requirement = serializers.CharField(source="requirement.ref", read_only=True)
    review_due = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "requirement",
            "target",
            "status",
            "justification",
            "responsible",
            "due_date",
            "last_review",
            "next_review",
            "review_due",
            "version",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields

    def get_review_due(self, obj: Assessment) -> bool:
        return obj.review_due()


@extend_schema_serializer(examples=examples.ASSESSMENT_EXAMPLES)
class AssessmentHistorySerializer(AssessmentSerializer):
    versions = AssessmentVersionSerializer(many=True, read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "versions"]
        read_only_fields = fields


@extend_schema_serializer(examples=examples.ASSESSMENT_SAVE_EXAMPLES)
class AssessmentSaveSerializer(serializers.Serializer):
    """The Umsetzungsstatus of a requirement for a target. ``justification`` is required for
    "entbehrlich" and "nein" (400 naming it); dates as YYYY-MM-DD."""

    status = serializers.ChoiceField(choices=Implementation.choices)
    justification = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    responsible = serializers.CharField(required=False, allow_blank=True, max_length=150)
    due_date = serializers.DateField(required=False, allow_null=True)
    last_review = serializers.DateField(required=False, allow_null=True)
    next_review = serializers.DateField(required=False, allow_null=True)


@extend_schema_serializer(examples=examples.CHECK_ROW_EXAMPLES)
class CheckRowSerializer(serializers.Serializer):
    """One requirement of a target's Grundschutz-Check: the checks' result over the target's
    objects, the documented assessment, and what the portal states from both."""

    ref = serializers.CharField()
    title_de = serializers.CharField()
    title_en = serializers.CharField()
    level = serializers.CharField()
    withdrawn = serializers.BooleanField()
    automated_status = serializers.ChoiceField(choices=RequirementStatus.choices)
    checks = serializers.ListField(child=serializers.CharField())
    assessment = AssessmentSerializer(allow_null=True)
    effective_status = serializers.ChoiceField(choices=EffectiveStatus.choices)
    reason = serializers.CharField(allow_blank=True)
    review_due = serializers.BooleanField()


def _with_needs(targets: list[TargetObject]) -> list[TargetObject]:
    """Attach the inherited needs (one query for every target, whatever the page)."""
    everyone = list(TargetObject.objects.all())
    for target in targets:
        target.inherited_needs = effective_needs(target, everyone)
        target.inherited_elevated = overall(target.inherited_needs) != ProtectionNeed.NORMAL
    return targets


def _row_payload(row) -> dict:
    req, effective = row.requirement, row.effective
    return {
        "ref": req.ref,
        "title_de": req.title_de,
        "title_en": req.title_en,
        "level": req.level,
        "withdrawn": req.withdrawn,
        "automated_status": row.automated.status,
        "checks": [c.check_id for c in row.automated.checks],
        "assessment": row.assessment,
        "effective_status": effective.status,
        "reason": effective.reason,
        "review_due": effective.review_due,
    }


class TargetObjectViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Target objects (Zielobjekte) of the Grundschutz-Check with their protection need."""

    queryset = TargetObject.objects.select_related("endpoint", "cluster")
    serializer_class = TargetObjectSerializer
    filterset_fields = ["kind", "endpoint", "cluster", "tag"]
    read_roles = ROLES
    write_roles = (SECURITY_OFFICER,)
    # PUT only saves an assessment; a target changes by PATCH (name, protection need).
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        data = TargetObjectSerializer(_with_needs(list(page)), many=True).data
        return self.get_paginated_response(data)

    def retrieve(self, request, *args, **kwargs):
        return Response(TargetObjectSerializer(_with_needs([self.get_object()])[0]).data)

    def create(self, request, *args, **kwargs):
        body = TargetObjectSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if is_scoped(request.user) and data.get("endpoint") is None and not data.get("cluster"):
            raise serializers.ValidationError(
                {"endpoint": "You are limited to some endpoints or clusters: choose one of them."}
            )
        try:
            target = target_create(
                kind=data["kind"],
                name=data.get("name", ""),
                endpoint=data.get("endpoint"),
                cluster=data.get("cluster"),
                tag=data.get("tag", ""),
                needs={
                    g: data[g]
                    for g in ("confidentiality", "integrity", "availability")
                    if g in data
                },
                need_justification=data.get("need_justification", ""),
                actor=request.user,
                request=request,
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(
            TargetObjectSerializer(_with_needs([target])[0]).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=TargetUpdateSerializer, responses=TargetObjectSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change the name or the protection need (audited with before and after)."""
        target = self.get_object()
        body = TargetUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            target = target_update(
                target,
                name=data.get("name"),
                needs={
                    g: data[g]
                    for g in ("confidentiality", "integrity", "availability")
                    if g in data
                },
                need_justification=data.get("need_justification"),
                actor=request.user,
                request=request,
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(TargetObjectSerializer(_with_needs([target])[0]).data)

    @extend_schema(responses=CheckRowSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="check")
    def grundschutz_check(self, request, pk=None):
        """Every SYS.1.5 requirement for this target: automated, documented and effective status."""
        target = self.get_object()
        rows = [_row_payload(row) for row in grundschutz_check(target)]
        return Response(CheckRowSerializer(rows, many=True).data)

    @extend_schema(
        request=AssessmentSaveSerializer,
        responses=AssessmentHistorySerializer,
        parameters=[
            OpenApiParameter(
                "ref", str, OpenApiParameter.PATH, description="e.g. SYS.1.5.A7 (in force)"
            )
        ],
    )
    @action(detail=True, methods=["get", "put"], url_path=r"assessments/(?P<ref>[^/]+)")
    def assessment(self, request, pk=None, ref=None):
        """Read (with every version) or save the assessment of one requirement for this target.

        404 while nothing is documented (GET) or for a requirement not assessed (withdrawn, or
        not SYS.1.5)."""
        target = self.get_object()
        requirement = Requirement.objects.filter(ref=ref).first()
        if requirement is None or not assessable(requirement):
            raise Http404
        if request.method == "GET":
            assessment = (
                Assessment.objects.filter(requirement=requirement, target=target)
                .prefetch_related("versions")
                .first()
            )
            if assessment is None:
                raise Http404
            return Response(AssessmentHistorySerializer(assessment).data)
        body = AssessmentSaveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            assessment = assessment_save(
                requirement=requirement,
                target=target,
                actor=request.user,
                request=request,
                **body.validated_data,
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        assessment = Assessment.objects.prefetch_related("versions").get(pk=assessment.pk)
        return Response(AssessmentHistorySerializer(assessment).data)
