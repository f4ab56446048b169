"""Examples for the operation and policy API, as Swagger UI and /api/schema/ show them.

The same small estate as inventory's examples (inventory/api/examples.py); the snapshot examples
start from its ``_BEFORE_PATCH``. tests/portal/test_openapi_examples.py checks every example
against its serializer's schema.
"""

from __future__ import annotations

from inventory.api.examples import _BEFORE_PATCH, _example
from portal.api.errors import error_example

# ----------------------------------------------------------------------------- snapshots
_READ_FIELDS = (
    "id", "vm", "name", "description", "created_at", "quiesced", "with_memory", "current",
    "created_by", "owner", "reason", "expires_at", "made_by_portal", "absent_since",
)  # fmt: skip
SNAPSHOT_READ_EXAMPLES = [
    _example("A portal snapshot", {k: _BEFORE_PATCH[k] for k in _READ_FIELDS}),
]

# ----------------------------------------------------------------------------- operations

ACCEPTED = ["202"]  # queued now, or the same answer again for a repeated Idempotency-Key

SNAPSHOT_CREATE_EXAMPLES = [
    _example(
        "Before a patch, kept three days",
        {
            "name": "before-patch",
            "reason": "kernel update",
            "expires_at": "2026-11-30T18:00:00Z",
        },
        request_only=True,
    ),
    _example(
        "With memory and quiesced (vCenter)",
        {
            "name": "pre-app-upgrade",
            "description": "Tomcat 10.1 -> 11",
            "memory": True,
            "quiesce": True,
            "reason": "CHG-4711",
            "expires_at": None,
        },
        request_only=True,
        description="Without expires_at the snapshot expires after SNAPSHOT_DEFAULT_EXPIRY_HOURS.",
    ),
]
SNAPSHOT_REVERT_EXAMPLES = [
    _example(
        "Confirmed, with a reason",
        {"confirm_name": "pre-upgrade", "reason": "patch failed, roll back"},
        request_only=True,
    )
]

_QUEUED = {
    "id": 917,
    "url": "/api/operations/917/",
    "kind": "create",
    "state": "queued",
    "vm": 311,
    "vm_name": "web-01",
    "endpoint": 1,
    "snapshot": None,
    "snapshot_name": "before-patch",
    "remote_ref": "",
    "error": "",
    "params": {
        "name": "before-patch",
        "description": "",
        "memory": False,
        "quiesce": False,
        "reason": "kernel update",
        "expires_at": "2026-11-30T18:00:00+00:00",
    },
    "requested_by": "alice",
    "policy": None,
    "created_at": "2026-11-27T10:02:11Z",
    "started_at": None,
    "finished_at": None,
    "attempts": 0,
}
_SUCCEEDED = {
    **_QUEUED,
    "state": "succeeded",
    "snapshot": 3310,
    "remote_ref": "task-1203",
    "started_at": "2026-11-27T10:02:12Z",
    "finished_at": "2026-11-27T10:02:40Z",
    "attempts": 1,
}
_PVE_REVERT = {
    "id": 921,
    "url": "/api/operations/921/",
    "kind": "revert",
    "state": "queued",
    "vm": 318,
    "vm_name": "db-01",
    "endpoint": 2,
    "snapshot": 3342,
    "snapshot_name": "pre-upgrade",
    "remote_ref": "",
    "error": "",
    "params": {"name": "pre-upgrade", "reason": "patch failed, roll back"},
    "requested_by": "alice",
    "policy": None,
    "created_at": "2026-11-27T10:21:05Z",
    "started_at": None,
    "finished_at": None,
    "attempts": 0,
}
_PVE_REVERT_RUNNING = {
    **_PVE_REVERT,
    "state": "running",
    "remote_ref": "UPID:pve1:0002F1A4:01C3D5E7:67470B2C:qmrollback:100:portal@pve!sync:",
    "started_at": "2026-11-27T10:21:06Z",
    "attempts": 1,
}
_PVE_DELETE = {
    **_PVE_REVERT,
    "id": 922,
    "url": "/api/operations/922/",
    "kind": "delete",
    "params": {"name": "pre-upgrade", "reason": "upgrade verified"},
    "created_at": "2026-11-27T11:40:19Z",
}
_FAILED = {
    **_QUEUED,
    "id": 930,
    "url": "/api/operations/930/",
    "kind": "delete",
    "state": "failed",
    "snapshot": 3297,
    "snapshot_name": "old-test",
    "error": "https://vcenter.example.org (delete snapshot-81): the object no longer exists",
    "params": {"name": "old-test", "reason": ""},
    "requested_by": "expiry",
    "created_at": "2026-11-27T12:00:03Z",
    "started_at": "2026-11-27T12:00:04Z",
    "finished_at": "2026-11-27T12:00:05Z",
    "attempts": 1,
}
# GET /api/operations/: what an operation looks like at each stage.
OPERATION_EXAMPLES = [
    _example("A snapshot queued on vCenter", _QUEUED),
    _example("The same snapshot, made (task-1203)", _SUCCEEDED),
    _example("A revert running on Proxmox VE", _PVE_REVERT_RUNNING),
    _example("A delete that failed", _FAILED),
]
# The answers of the snapshot routes (202, or 200 for a repeated Idempotency-Key).
SNAPSHOT_CREATE_ACCEPTED = _example("Queued", _QUEUED, status_codes=ACCEPTED, response_only=True)
SNAPSHOT_DELETE_ACCEPTED = _example(
    "Queued", _PVE_DELETE, status_codes=ACCEPTED, response_only=True
)
SNAPSHOT_REVERT_ACCEPTED = _example(
    "Queued", _PVE_REVERT, status_codes=ACCEPTED, response_only=True
)

# The refusals of the snapshot routes, in the portal's error format (portal.api.errors).
SNAPSHOT_CREATE_400 = error_example(
    "Expiry in the past",
    400,
    "invalid",
    "expires_at: the expiry lies in the past; give a time in the future",
    expires_at=["the expiry lies in the past; give a time in the future"],
)
SNAPSHOT_CREATE_409 = error_example(
    "Another operation on the VM",
    409,
    "conflict",
    "another operation on web-01 is still running (#917, create); wait until it has ended",
)
KEY_TOO_LONG_400 = error_example(
    "Idempotency-Key too long",
    400,
    "invalid",
    "idempotency_key: use an Idempotency-Key of at most 200 chars",
    idempotency_key=["use an Idempotency-Key of at most 200 chars"],
)
REVERT_NOT_CONFIRMED_400 = error_example(
    "Not confirmed",
    400,
    "invalid",
    "confirm_name: Type the snapshot's name 'pre-upgrade' exactly to revert.",
    confirm_name=["Type the snapshot's name 'pre-upgrade' exactly to revert."],
)
SNAPSHOT_GONE_409 = error_example(
    "Snapshot no longer there",
    409,
    "conflict",
    "snapshot pre-upgrade no longer exists on db-01 (absent since 2026-11-27 09:15 UTC)",
)

# ----------------------------------------------------------------------------- policies

_NIGHTLY = {
    "label": "nightly",
    "enabled": True,
    "endpoints": [],
    "clusters": [4],
    "vms": [],
    "tag": "",
    "minute": "30",
    "hour": "1",
    "day_of_week": "*",
    "day_of_month": "*",
    "month_of_year": "*",
    "keep_last": 7,
    "max_age_hours": 192,
    "min_free_percent": 15,
    "memory": False,
}
POLICY_EXAMPLES = [
    _example("Nightly, keep seven", _NIGHTLY, request_only=True),
    _example(
        "Nightly, keep seven",
        {
            "id": 2,
            **_NIGHTLY,
            "last_run_at": "2026-11-27T01:30:00Z",
            "last_run_state": "partial",
            "last_run_reason": "db-01: another operation on db-01 is still running (#921, "
            "revert); wait until it has ended",
        },
        response_only=True,
    ),
]
POLICY_RUN_EXAMPLES = [
    _example(
        "Queued, one VM skipped",
        {
            "id": 408,
            "state": "running",
            "queued": 11,
            "skipped": [
                {
                    "vm": 318,
                    "name": "db-01",
                    "reason": "another operation on db-01 is still running (#921, revert); "
                    "wait until it has ended",
                }
            ],
        },
        status_codes=["202"],
    ),
]
