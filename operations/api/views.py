"""API of snapshot operations and snapshot policies.

Writes (administrators only, by RolePermission's default ``write_roles``) answer 202 with the
Operation; the work happens in a Celery task. An ``Idempotency-Key`` header makes a repeated
request return the first request's operation (200) instead of queuing a second one.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from inventory.api.serializers import SnapshotSerializer
from inventory.api.views import SnapshotViewSet
from inventory.models import Snapshot, VirtualMachine
from operations.models import Operation, SnapshotPolicy
from operations.services import operations as ops
from operations.services import policies
from operations.services.policy_scopes import visible_policies
from portal.api.errors import error_response
from portal.filters import NumberFilter
from portal.roles import ADMINISTRATOR, ROLES
from portal.security.scopes import scoped
from portal.security.throttles import OperationThrottle

from . import examples

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The same key (same user) does the work once; sent again, the request gets "
    "exactly the first answer (202 and the same body).",
)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The VM or snapshot is not in a state that allows this."


def _call(service, **kwargs: Any) -> Operation:
    """Run a service; turn its refusals into the API's 400 and 409 answers."""
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        raise ValidationError(detail) from None
    except ops.OperationConflict as exc:
        raise Conflict(str(exc)) from None


# ----------------------------------------------------------------------------- serializers


@extend_schema_serializer(examples=examples.OPERATION_EXAMPLES)
class OperationSerializer(serializers.ModelSerializer):
    vm_name = serializers.CharField(source="vm.name", read_only=True)
    endpoint = serializers.IntegerField(source="vm.endpoint_id", read_only=True)
    snapshot_name = serializers.SerializerMethodField()
    requested_by = serializers.CharField(source="requested_by_name", read_only=True)
    params = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Operation
        fields = [
            "id", "url", "kind", "state", "vm", "vm_name", "endpoint", "snapshot",
            "snapshot_name", "remote_ref", "error", "params", "requested_by", "policy",
            "created_at", "started_at", "finished_at", "attempts",
        ]  # fmt: skip
        read_only_fields = fields

    def get_snapshot_name(self, op: Operation) -> str:
        return op.snapshot.name if op.snapshot_id else op.params.get("name", "")

    def get_params(self, op: Operation) -> dict[str, Any]:
        return {k: v for k, v in op.params.items() if not k.startswith("_")}

    def get_url(self, op: Operation) -> str:
        return f"/api/operations/{op.pk}/"


@extend_schema_serializer(examples=examples.SNAPSHOT_READ_EXAMPLES)
class SnapshotReadSerializer(serializers.ModelSerializer):
    owner = serializers.CharField(source="owner.username", default="", read_only=True)

    class Meta:
        model = Snapshot
        fields = [
            "id", "vm", "name", "description", "created_at", "quiesced", "with_memory", "current",
            "created_by", "owner", "reason", "expires_at", "made_by_portal", "absent_since",
        ]  # fmt: skip
        read_only_fields = fields


class SnapshotCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, trim_whitespace=False)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    memory = serializers.BooleanField(required=False, default=False)
    quiesce = serializers.BooleanField(required=False, default=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class SnapshotDeleteQuery(serializers.Serializer):
    """``?reason=``: required, at most 255 characters, no control characters like NUL."""

    reason = serializers.CharField(max_length=255)


class SnapshotActionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class SnapshotRevertSerializer(SnapshotActionSerializer):
    """A revert discards the VM's present state: the body names the snapshot, as the page asks."""

    confirm_name = serializers.CharField(
        max_length=255,
        trim_whitespace=False,
        help_text="The snapshot's name, exactly: the explicit confirmation the page asks for too.",
    )


def _accepted(op: Operation, replayed: bool) -> Response:
    """202 with the operation; a replay (same user and Idempotency-Key) gets the first answer.

    The first answer is stored with the operation (``first_answer``), so a replay answers with
    the same status and the same body (the same fields and values; a JSON object's key order is
    the database's), even after the operation moved on.
    """
    if replayed and op.first_answer:
        data = op.first_answer
    else:
        data = OperationSerializer(op).data
        if op.idempotency_key and not replayed:
            Operation.objects.filter(pk=op.pk, first_answer__isnull=True).update(
                first_answer=dict(data)
            )
    return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


def _key(request: Request) -> str | None:
    return request.headers.get("Idempotency-Key") or None


def _queue(request: Request, service, **kwargs: Any) -> Response:
    """Queue the operation as the request's user with its Idempotency-Key: 202 (a replay: the
    first answer again)."""
    op = _call(
        service,
        actor=request.user,
        request=request,
        idempotency_key=_key(request),
        **kwargs,
    )
    return _accepted(op, getattr(op, "replayed", False))


# ----------------------------------------------------------------------------- snapshot actions


def _queues_an_operation(
    operation_id: str, *, answer, bad, busy, request=None, request_examples=(), parameters=()
):
    """The schema of a snapshot route: 202 with the operation (the first answer again for a
    repeated key)."""
    return extend_schema(
        operation_id=operation_id,
        request=request,
        parameters=[IDEMPOTENCY_HEADER, *parameters],
        responses={
            202: OperationSerializer,
            400: error_response("Bad input; nothing was queued.", bad),
            409: error_response("The VM or snapshot is busy or in the wrong state.", busy),
        },
        examples=[*request_examples, answer],
    )


class VmSnapshotsView(APIView):
    """A VM's present snapshots (GET) and a new snapshot of it (POST, 202)."""

    read_roles = ROLES
    write_roles = (ADMINISTRATOR,)
    throttle_classes = [OperationThrottle]  # changes only; reads are not limited

    @extend_schema(responses=SnapshotReadSerializer(many=True), operation_id="vm_snapshots_list")
    def get(self, request: Request, pk: int) -> Response:
        vm = get_object_or_404(scoped(request.user, VirtualMachine.objects.all()), pk=pk)
        rows = vm.snapshots.present().select_related("owner")
        return Response(SnapshotReadSerializer(rows, many=True).data)

    @_queues_an_operation(
        "vm_snapshots_create",
        request=SnapshotCreateSerializer,
        request_examples=examples.SNAPSHOT_CREATE_EXAMPLES,
        answer=examples.SNAPSHOT_CREATE_ACCEPTED,
        bad=examples.SNAPSHOT_CREATE_400,
        busy=examples.SNAPSHOT_CREATE_409,
    )
    def post(self, request: Request, pk: int) -> Response:
        vm = get_object_or_404(
            scoped(request.user, VirtualMachine.objects.select_related("endpoint")), pk=pk
        )
        body = SnapshotCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return _queue(
            request,
            ops.snapshot_create,
            vm=vm,
            **body.validated_data,
        )


def _snapshot(request: Request, pk: int) -> Snapshot:
    """The snapshot, if it is inside the user's object scopes (404 otherwise)."""
    return get_object_or_404(
        scoped(request.user, Snapshot.objects.select_related("vm__endpoint")), pk=pk
    )


# GET of a snapshot is the read-only inventory API's (operations only add DELETE beside it).
_snapshot_read = SnapshotViewSet.as_view({"get": "retrieve"})


class SnapshotDetailView(APIView):
    """GET: the snapshot (the inventory API's view); DELETE: delete it (202)."""

    read_roles = ROLES
    write_roles = (ADMINISTRATOR,)
    throttle_classes = [OperationThrottle]  # changes only; reads are not limited

    # The answer is the inventory API's snapshot (owner null when nobody made it in the portal).
    @extend_schema(responses=SnapshotSerializer, operation_id="snapshots_retrieve_detail")
    def get(self, request: Request, pk: int) -> Response:
        return _snapshot_read(request._request, pk=pk)

    @_queues_an_operation(
        "snapshots_delete",
        parameters=[
            OpenApiParameter(
                "reason",
                str,
                required=True,
                description="Why (required; kept with the operation and in the audit trail).",
            )
        ],
        answer=examples.SNAPSHOT_DELETE_ACCEPTED,
        bad=examples.KEY_TOO_LONG_400,
        busy=examples.SNAPSHOT_GONE_409,
    )
    def delete(self, request: Request, pk: int) -> Response:
        snapshot = _snapshot(request, pk)
        # As the page asks for one: a deletion cannot be undone, the trail says why.
        query = SnapshotDeleteQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        reason = query.validated_data["reason"]
        return _queue(
            request,
            ops.snapshot_delete,
            snapshot=snapshot,
            reason=reason,
        )


class SnapshotRevertView(APIView):
    """Revert the VM to the snapshot (202). Proxmox stops the VM while it rolls back."""

    read_roles = ROLES
    write_roles = (ADMINISTRATOR,)
    throttle_classes = [OperationThrottle]  # changes only; reads are not limited

    @_queues_an_operation(
        "snapshots_revert",
        request=SnapshotRevertSerializer,
        request_examples=examples.SNAPSHOT_REVERT_EXAMPLES,
        answer=examples.SNAPSHOT_REVERT_ACCEPTED,
        bad=examples.REVERT_NOT_CONFIRMED_400,
        busy=examples.SNAPSHOT_GONE_409,
    )
    def post(self, request: Request, pk: int) -> Response:
        snapshot = _snapshot(request, pk)
        body = SnapshotRevertSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if body.validated_data["confirm_name"] != snapshot.name:
            raise ValidationError(
                {"confirm_name": [f"Type the snapshot's name {snapshot.name!r} exactly to revert."]}
            )
        return _queue(
            request,
            ops.snapshot_revert,
            snapshot=snapshot,
            reason=body.validated_data["reason"],
        )


# ----------------------------------------------------------------------------- operations


class OperationFilter(filters.FilterSet):
    endpoint = NumberFilter(field_name="vm__endpoint_id")

    class Meta:
        model = Operation
        fields = ["state", "kind", "vm", "endpoint", "policy"]


class OperationViewSet(viewsets.ReadOnlyModelViewSet):
    """Snapshot operations, newest first: state, remote reference, error, who and when."""

    # vm and snapshot names are shown in every row.
    queryset = Operation.objects.select_related("vm", "snapshot")
    scope_fields = ("vm__endpoint", "vm__cluster")  # operations reach scopes through the VM
    serializer_class = OperationSerializer
    filterset_class = OperationFilter
    ordering_fields = ["created_at", "finished_at", "state"]
    read_roles = ROLES
    write_roles = ()


# ----------------------------------------------------------------------------- policies


@extend_schema_serializer(examples=examples.POLICY_EXAMPLES)
class SnapshotPolicySerializer(serializers.ModelSerializer):
    minute = serializers.CharField(source="crontab.minute", default="0")
    hour = serializers.CharField(source="crontab.hour", default="*")
    day_of_week = serializers.CharField(source="crontab.day_of_week", default="*")
    day_of_month = serializers.CharField(source="crontab.day_of_month", default="*")
    month_of_year = serializers.CharField(source="crontab.month_of_year", default="*")

    class Meta:
        model = SnapshotPolicy
        fields = [
            "id", "label", "enabled", "endpoints", "clusters", "vms", "tag",
            "minute", "hour", "day_of_week", "day_of_month", "month_of_year",
            "keep_last", "max_age_hours", "min_free_percent", "memory",
            "last_run_at", "last_run_state", "last_run_reason",
        ]  # fmt: skip
        read_only_fields = ["last_run_at", "last_run_state", "last_run_reason"]
        extra_kwargs = {"label": {"validators": []}}  # the service says what to change

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:  # only objects in the user's scope can be chosen
            for name in ("endpoints", "clusters", "vms"):
                field = self.fields[name].child_relation
                field.queryset = scoped(request.user, field.queryset.model.objects.all())

    def _values(self, data: dict[str, Any]) -> dict[str, Any]:
        values = dict(data)
        values.update(values.pop("crontab", {}))
        return values

    def create(self, validated_data: dict[str, Any]) -> SnapshotPolicy:
        request = self.context["request"]
        return _policy_call(
            policies.policy_create,
            actor=request.user,
            request=request,
            **self._values(validated_data),
        )

    def update(self, instance: SnapshotPolicy, validated_data: dict[str, Any]) -> SnapshotPolicy:
        request = self.context["request"]
        return _policy_call(
            policies.policy_update,
            policy=instance,
            actor=request.user,
            request=request,
            **self._values(validated_data),
        )


def _policy_call(service, **kwargs: Any) -> Any:
    try:
        return service(**kwargs)
    except DjangoValidationError as exc:
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        raise ValidationError(detail) from None


@extend_schema_serializer(examples=examples.POLICY_RUN_EXAMPLES)
class PolicyRunSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    queued = serializers.IntegerField()
    skipped = serializers.ListField(child=serializers.DictField())


class SnapshotPolicyViewSet(viewsets.ModelViewSet):
    """Scheduled snapshot policies (administrators write; every role reads)."""

    queryset = SnapshotPolicy.objects.select_related("crontab").prefetch_related(
        "endpoints", "clusters", "vms"
    )
    serializer_class = SnapshotPolicySerializer
    filterset_fields = ["enabled", "last_run_state"]
    read_roles = ROLES
    write_roles = (ADMINISTRATOR,)

    def get_queryset(self):
        # Scopes: a policy selecting anything outside the user's scope does not exist for them.
        return visible_policies(self.request.user, super().get_queryset())

    def perform_destroy(self, instance: SnapshotPolicy) -> None:
        policies.policy_delete(policy=instance, actor=self.request.user, request=self.request)

    @extend_schema(request=None, responses={202: PolicyRunSerializer})
    @action(detail=True, methods=["post"])
    def run(self, request: Request, pk: int | None = None) -> Response:
        """Run the policy now (its snapshots are queued as operations)."""
        policy = self.get_object()
        run = policies.policy_run(
            policy_id=policy.pk, trigger="api", actor=request.user, request=request
        )
        if run is None:
            raise Conflict("the policy no longer exists")
        data = {"id": run.pk, "state": run.outcome, "queued": run.queued, "skipped": run.skipped}
        return Response(data, status=status.HTTP_202_ACCEPTED)
