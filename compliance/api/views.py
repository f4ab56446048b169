"""Compliance API: read for every role; officers tune checks and waive; officers and admins run."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.pagination import Pagination
from portal.roles import ADMINISTRATOR, ROLES, SECURITY_OFFICER

from ..checks import all_checks, get_check
from ..models import CheckRun, CheckSetting, Finding, Requirement, Waiver
from ..scoping import endpoint_from, statuses_for
from ..services import (
    GLOBAL_ONLY,
    check_parameters_update,
    check_run_create,
    may_change_checks,
    waiver_approve,
    waiver_create,
    waiver_revoke,
)
from ..services.evidence import object_history
from ..tasks import queue_check_run
from .filters import FindingFilter
from .serializers import (
    CheckRunCreateSerializer,
    CheckRunSerializer,
    CheckSerializer,
    CheckUpdateSerializer,
    FindingSerializer,
    RequirementSerializer,
    RequirementStatusSerializer,
    RunOutcomeSerializer,
    WaiverRevokeSerializer,
    WaiverSerializer,
)


def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else exc.messages
    )


def check_payload(spec, setting: CheckSetting | None) -> dict:
    values = spec.effective(setting.parameters if setting else None)
    return {
        "id": spec.id,
        "title": spec.title,
        "description": spec.description,
        "requirements": list(spec.requirements),
        "severity": spec.severity,
        "target": spec.target,
        "platforms": list(spec.platforms),
        "enabled": setting.enabled if setting else True,
        "parameters": [
            {
                "name": p.name,
                "label": p.label,
                "kind": p.kind,
                "default": p.default,
                "value": values[p.name],
                "minimum": p.minimum,
                "maximum": p.maximum,
                "unit": p.unit,
            }
            for p in spec.params
        ],
    }


class RequirementViewSet(viewsets.ReadOnlyModelViewSet):
    """The M 4.349 and SYS.1.5 requirements, their sentences and the checks mapped to them."""

    # Sentences and mapping lines: two prefetch queries for the whole page; maps_to is
    # derived once per request (serializer context).
    queryset = Requirement.objects.prefetch_related("sentences__mappings")
    serializer_class = RequirementSerializer
    lookup_field = "ref"
    lookup_value_regex = "[^/]+"
    filterset_fields = ["catalog", "level"]
    search_fields = ["ref", "title_en", "title_de"]
    read_roles = ROLES
    write_roles = ()


class CheckViewSet(viewsets.ViewSet):
    """The registered checks with their current parameters; security officers change them."""

    lookup_field = "check_id"
    lookup_value_regex = r"[A-Z]+-[0-9]+"
    serializer_class = CheckSerializer
    read_roles = ROLES
    write_roles = (SECURITY_OFFICER,)
    # Named here so the schema shows the page (count, next, previous, results), not a bare list.
    pagination_class = Pagination

    @extend_schema(responses=CheckSerializer(many=True))
    def list(self, request):
        settings = {s.check_id: s for s in CheckSetting.objects.all()}
        items = [check_payload(spec, settings.get(spec.id)) for spec in all_checks()]
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(items, request, view=self)
        return paginator.get_paginated_response(CheckSerializer(page, many=True).data)

    @extend_schema(
        responses=CheckSerializer,
        parameters=[
            OpenApiParameter("check_id", str, OpenApiParameter.PATH, description="e.g. SNAP-001")
        ],
    )
    def retrieve(self, request, check_id: str):
        spec = get_check(check_id)
        if spec is None:
            raise Http404
        return Response(
            CheckSerializer(
                check_payload(spec, CheckSetting.objects.filter(check_id=spec.id).first())
            ).data
        )

    @extend_schema(request=CheckUpdateSerializer, responses=CheckSerializer)
    def partial_update(self, request, check_id: str):
        spec = get_check(check_id)
        if spec is None:
            raise Http404
        if not may_change_checks(request.user):
            raise exceptions.PermissionDenied(str(GLOBAL_ONLY))
        body = CheckUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            setting = check_parameters_update(
                check_id=spec.id,
                values=body.validated_data["parameters"],
                enabled=body.validated_data["enabled"],
                actor=request.user,
                request=request,
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from None
        return Response(CheckSerializer(check_payload(spec, setting)).data)


class FindingViewSet(viewsets.ReadOnlyModelViewSet):
    """Findings with their evidence and history; filter by status, check, requirement, endpoint, object."""

    # endpoint: endpoint_name; waiver: display_status and waived.
    queryset = Finding.objects.select_related("endpoint", "waiver")
    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    ordering_fields = ["last_seen", "first_seen", "check_id", "severity", "object_name"]
    search_fields = ["object_name", "object_path", "object_external_id", "message"]
    read_roles = ROLES
    write_roles = ()

    @extend_schema(responses=RunOutcomeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """What each of the newest 50 runs observed on this finding's object under its check:
        passed, failed (with the evidence of that run), or not judged. Kept per run, never
        rewritten."""
        finding = self.get_object()
        runs = object_history(
            check_id=finding.check_id, endpoint_id=finding.endpoint_id, object_id=finding.object_id
        )
        return Response(RunOutcomeSerializer(runs, many=True).data)


class CheckRunViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Check runs; POST queues a run (202 with its id) for administrators and security officers."""

    queryset = CheckRun.objects.all()
    serializer_class = CheckRunSerializer
    filterset_fields = ["status", "trigger", "endpoint"]
    read_roles = ROLES
    write_roles = (ADMINISTRATOR, SECURITY_OFFICER)

    @extend_schema(request=CheckRunCreateSerializer, responses={202: CheckRunSerializer})
    def create(self, request):
        body = CheckRunCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        from portal.audit import audit

        run = check_run_create(
            endpoint=body.validated_data["endpoint"],
            trigger=CheckRun.Trigger.API,
            actor=request.user,
        )
        audit(
            action="compliance.run.request",
            request=request,
            target=run,
            detail={"endpoint": run.endpoint_id},
        )
        queue_check_run(run)
        return Response(CheckRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class WaiverViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Waivers; a security officer requests one (reason and a future expiry required), another
    approves it; officers revoke or reject them."""

    queryset = Waiver.objects.all()
    serializer_class = WaiverSerializer
    filterset_fields = ["check_id", "scope", "endpoint", "cluster"]
    read_roles = ROLES
    write_roles = (SECURITY_OFFICER,)

    def create(self, request):
        body = WaiverSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            waiver = waiver_create(
                check_id=data["check_id"],
                scope=data["scope"],
                reason=data["reason"],
                expires_at=data["expires_at"],
                endpoint=data.get("endpoint"),
                cluster=data.get("cluster"),
                finding=data.get("finding"),
                actor=request.user,
                request=request,
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from None
        return Response(WaiverSerializer(waiver).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WaiverRevokeSerializer, responses=WaiverSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Put a requested waiver in force; the requester cannot approve their own (400)."""
        try:
            waiver = waiver_approve(waiver=self.get_object(), actor=request.user, request=request)
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from None
        return Response(WaiverSerializer(waiver).data)

    @extend_schema(request=None, responses=WaiverSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """End the waiver now; a reason is required (400 naming ``reason`` without one)."""
        waiver = self.get_object()
        body = WaiverRevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            waiver = waiver_revoke(
                waiver=waiver,
                actor=request.user,
                reason=body.validated_data["reason"],
                request=request,
            )
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from None
        return Response(WaiverSerializer(waiver).data)


class StatusView(APIView):
    """Status of every requirement (M 4.349 and SYS.1.5), overall or for one endpoint."""

    read_roles = ROLES
    write_roles = ()

    @extend_schema(
        parameters=[
            OpenApiParameter("endpoint", int, description="one endpoint's id; all when absent")
        ],
        responses=inline_serializer(
            "RequirementStatusList", {"results": RequirementStatusSerializer(many=True)}
        ),
    )
    def get(self, request):
        raw = request.query_params.get("endpoint")
        try:
            endpoint_id = int(raw) if raw else None
        except ValueError:
            raise serializers.ValidationError(
                {"endpoint": "Give the endpoint's numeric id."}
            ) from None
        endpoint = None
        if endpoint_id is not None:
            endpoint = endpoint_from(request.user, endpoint_id)
            if endpoint is None:
                raise Http404  # unknown, or outside the user's scope
        states = statuses_for(request.user, endpoint)
        return Response({"results": RequirementStatusSerializer(states, many=True).data})
