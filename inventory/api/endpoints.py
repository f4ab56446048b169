"""API for endpoints (administrators write; the secret is write-only) and sync runs."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from inventory.connectors import tls
from inventory.models import Endpoint, SyncRun
from inventory.services.endpoints import endpoint_create, endpoint_delete, endpoint_update
from inventory.services.sync import sync_request
from portal.roles import ADMINISTRATOR, ROLES

from . import examples


@extend_schema_serializer(examples=examples.ENDPOINT_EXAMPLES)
class EndpointSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=1024, style={"input_type": "password"},
        help_text="Password or API token secret. Write-only: never returned.",
    )  # fmt: skip
    fingerprint = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="SHA-256 of the server certificate, 64 hex digits (colons allowed).",
    )  # fmt: skip
    trust_mode = serializers.CharField(read_only=True)
    fingerprint_display = serializers.SerializerMethodField()
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = Endpoint
        fields = [
            "id", "name", "kind", "url", "username", "token_id", "secret", "has_secret", "ca_pem",
            "fingerprint", "fingerprint_display", "trust_mode", "sync_interval_minutes", "enabled",
            "created_at", "last_sync_at", "last_sync_status", "last_success_at",
            "product", "version", "build",
        ]  # fmt: skip
        read_only_fields = [
            "created_at", "last_sync_at", "last_sync_status", "last_success_at",
            "product", "version", "build",
        ]  # fmt: skip
        # No unique validator on the name: the service refuses a taken name, in words that
        # tell a scoped administrator nothing about endpoints outside the scope.
        extra_kwargs = {"ca_pem": {"max_length": 20000}, "name": {"validators": []}}

    def get_fingerprint_display(self, obj: Endpoint) -> str:
        return tls.format_fingerprint(obj.fingerprint) if obj.fingerprint else ""

    def get_has_secret(self, obj: Endpoint) -> bool:
        return bool(obj.secret)

    def validate(self, attrs):
        # Field rules live in the service (one place for API, pages and commands); skip the
        # model's unique validators here so the message is the service's.
        return attrs


@extend_schema_serializer(examples=examples.SYNC_RUN_EXAMPLES)
class SyncRunSerializer(serializers.ModelSerializer):
    endpoint_name = serializers.CharField(source="endpoint.name", read_only=True)
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = SyncRun
        fields = [
            "id", "endpoint", "endpoint_name", "status", "trigger", "requested_by", "queued_at",
            "started_at", "finished_at", "duration_seconds", "created", "updated", "absent",
            "counts", "warnings", "error", "attempts", "progress",
        ]  # fmt: skip
        read_only_fields = fields


def _service_errors(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(
        exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    )


class EndpointViewSet(viewsets.ModelViewSet):
    """vCenter/ESXi and Proxmox VE endpoints. Every role reads; administrators change them."""

    queryset = Endpoint.objects.all()
    serializer_class = EndpointSerializer
    filterset_fields = ["kind", "enabled", "last_sync_status"]
    search_fields = ["name", "url"]
    ordering_fields = ["name", "kind", "last_sync_at"]
    read_roles = ROLES
    write_roles = (ADMINISTRATOR,)

    def perform_create(self, serializer):
        try:
            serializer.instance = endpoint_create(
                **serializer.validated_data, actor=self.request.user, request=self.request
            )
        except DjangoValidationError as exc:
            raise _service_errors(exc) from None

    def perform_update(self, serializer):
        try:
            serializer.instance = endpoint_update(
                endpoint=serializer.instance,
                actor=self.request.user,
                request=self.request,
                **serializer.validated_data,
            )
        except DjangoValidationError as exc:
            raise _service_errors(exc) from None

    def perform_destroy(self, instance):
        endpoint_delete(endpoint=instance, actor=self.request.user, request=self.request)

    @extend_schema(
        request=None, responses={202: OpenApiResponse(SyncRunSerializer, "The queued sync run")}
    )
    @action(detail=True, methods=["post"])
    def sync(self, request, pk=None):
        """Queue a sync of this endpoint now; answers 202 with the SyncRun to follow."""
        run = sync_request(endpoint=self.get_object(), actor=request.user, request=request)
        return Response(SyncRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class SyncRunViewSet(viewsets.ReadOnlyModelViewSet):
    """What each sync read and wrote, and why it failed."""

    queryset = SyncRun.objects.select_related("endpoint")  # endpoint_name in every row
    serializer_class = SyncRunSerializer
    filterset_fields = ["endpoint", "status", "trigger"]
    ordering_fields = ["queued_at", "finished_at"]
    read_roles = ROLES
    write_roles = ()
