"""``GET /api/tasks/``: the task log (:mod:`portal.tasklog`) for programs, times in UTC."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import tasklog
from ..roles import ROLES
from ..runs import RunStatus
from ..timefmt import utc_iso
from .errors import error_example, error_response

TASK_KINDS = ("sync", "check", "policy", "operation")  # what the apps register


class UtcDateTimeField(serializers.DateTimeField):
    """ISO 8601 in UTC with a trailing Z (portal.timefmt), whatever TIME_ZONE is."""

    def to_representation(self, value):
        return utc_iso(value)


class TaskSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TASK_KINDS, help_text="sync, check, policy, operation")
    id = serializers.IntegerField(help_text="The run's or the operation's id in its kind.")
    title = serializers.CharField(help_text="What ran, on what (names and platform ids).")
    endpoint = serializers.CharField(help_text="The endpoint's name; empty for several.")
    status = serializers.ChoiceField(choices=RunStatus.choices)
    who = serializers.CharField(help_text="Who asked; empty for the schedule.")
    trigger = serializers.CharField(help_text="web, api, command, schedule, sync, policy ...")
    queued_at = UtcDateTimeField()
    started_at = UtcDateTimeField(allow_null=True)
    finished_at = UtcDateTimeField(allow_null=True)
    error = serializers.CharField()
    progress = serializers.CharField(help_text="While running: what it is doing.")
    url = serializers.CharField(help_text="The page of the task (path).")


class TaskPageSerializer(serializers.Serializer):
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    has_next = serializers.BooleanField(help_text="An older page exists (same filters).")
    results = TaskSerializer(many=True)


def _param(name: str, description: str, kind=str) -> OpenApiParameter:
    return OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=description)


TASK_PAGE_EXAMPLE = OpenApiExample(
    "A running policy run and a failed snapshot operation",
    value={
        "page": 1,
        "page_size": 50,
        "has_next": True,
        "results": [
            {
                "kind": "policy",
                "id": 212,
                "title": "run of snapshot policy “nightly”",
                "endpoint": "",
                "status": "running",
                "who": "",
                "trigger": "schedule",
                "queued_at": "2026-11-30T01:00:00Z",
                "started_at": "2026-11-30T01:00:00Z",
                "finished_at": None,
                "error": "",
                "progress": "",
                "url": "/tasks/policy/212/",
            },
            {
                "kind": "operation",
                "id": 917,
                "title": "create snapshot “before-patch” on VM web-01 (qemu/101)",
                "endpoint": "pve-prod",
                "status": "failed",
                "who": "alice",
                "trigger": "",
                "queued_at": "2026-11-30T00:58:12Z",
                "started_at": "2026-11-30T00:58:12Z",
                "finished_at": "2026-11-30T00:58:14Z",
                "error": "unable to write to storage 'local-lvm': No space left on device",
                "progress": "",
                "url": "/operations/917/",
            },
        ],
    },
    response_only=True,
)


class TaskListView(APIView):
    """Sync runs, check runs, policy runs and snapshot operations in one list, newest first.

    Narrowed to the caller's scopes like each kind's own list. No total is given: the list is
    merged from one query per kind; ``has_next`` says whether ``page + 1`` has rows (at most
    20 pages: narrow older ones with ``since``/``until``).
    """

    read_roles = ROLES
    write_roles = ()

    @extend_schema(
        parameters=[
            _param("kind", "sync, check, policy or operation"),
            _param("status", "queued, running, succeeded or failed"),
            _param("endpoint", "An endpoint's id.", int),
            _param("who", "Who asked (exact user name, any case)."),
            _param("since", "From this time on (ISO 8601; naive means the portal's zone)."),
            _param("until", "Before this time (ISO 8601, or a date: up to its end)."),
            _param("page", "1 to 20.", int),
            _param("page_size", "10 to 200 (default 50).", int),
        ],
        operation_id="tasks_list",
        responses={
            200: TaskPageSerializer,
            400: error_response(
                "A filter is not understood; ``fields`` names it.",
                error_example(
                    "An unknown kind",
                    400,
                    "invalid",
                    "kind: choose one of: check, operation, policy, sync",
                    kind=["choose one of: check, operation, policy, sync"],
                ),
            ),
        },
        examples=[TASK_PAGE_EXAMPLE],
    )
    def get(self, request):
        try:
            filters = tasklog.parse_filters(request.query_params)
        except tasklog.FilterError as exc:
            raise ValidationError(exc.errors) from None
        number, size = tasklog.parse_page(request.query_params)
        page = tasklog.task_page(request.user, filters, number, size)
        data = {
            "page": page.number,
            "page_size": page.size,
            "has_next": page.has_next,
            "results": TaskSerializer(page.rows, many=True).data,
        }
        return Response(data)
