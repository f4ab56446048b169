"""Examples of the audit trail API (tests/portal/test_openapi_examples.py checks them)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

AUDIT_EVENT_EXAMPLES = [
    OpenApiExample(
        "A snapshot requested through the API",
        value={
            "id": 48213,
            "occurred_at": "2026-11-27T10:02:11Z",
            "actor": "alice",
            "actor_role": "administrator",
            "source": "api",
            "source_address": "10.1.2.17",
            "action": "snapshot.create.requested",
            "target_type": "inventory.operation",
            "target_id": "917",
            "target_repr": "create snapshot #917 on 311 (queued)",
            "result": "success",
            "request_id": "3b9d2f0c6a1e4f7b8c5d0e9a2f1b6c47",
            "detail": {
                "vm": 311,
                "vm_name": "web-01",
                "snapshot": None,
                "name": "before-patch",
                "memory": False,
                "quiesce": False,
                "reason": "kernel update",
                "expires_at": "2026-11-30T18:00:00+00:00",
            },
        },
    ),
    OpenApiExample(
        "A denied access",
        value={
            "id": 48220,
            "occurred_at": "2026-11-27T10:05:42Z",
            "actor": "arne",
            "actor_role": "auditor",
            "source": "api",
            "source_address": "10.1.2.44",
            "action": "access.denied",
            "target_type": "url",
            "target_id": "POST",
            "target_repr": "/api/endpoints/1/sync/",
            "result": "denied",
            "request_id": "c41e0a7d92b34e18a5f60b7c3d2e1f09",
            "detail": {"status": 403},
        },
    ),
]

SEARCH_EXAMPLES = [
    OpenApiExample(
        "A VM found by part of its name",
        value={
            "q": "web01",
            "limit": 10,
            "groups": [
                {
                    "kind": "vm",
                    "label": "Virtual machines",
                    "more": False,
                    "results": [
                        {
                            "kind": "vm",
                            "name": "web01",
                            "path": "vc1 / cluster-a / esx07 / web01",
                            "platform_id": "vm-42",
                            "url": "/vms/17/",
                            "note": "",
                        }
                    ],
                }
            ],
        },
        response_only=True,
    ),
]
