"""Examples for the compliance API, as Swagger UI and /api/schema/ show them.

The estate is the one of inventory/api/examples.py (vCenter ``vc-prod`` = endpoint 1, Proxmox
VE ``pve-lab`` = endpoint 2). Check ids and requirement refs are real ones from the registry
and compliance/catalog; tests/portal/test_openapi_examples.py refuses any other, and checks
every example against its serializer's schema.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiViewExtension
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view

REQUIREMENT_EXAMPLES = [
    OpenApiExample(
        "An M 4.349 item",
        value={
            "ref": "M4349.SNAPSHOTS",
            "catalog": "M4349",
            "title_de": "Erstellen und Löschen von Snapshots",
            "title_en": "Creation and deletion of snapshots",
            "level": "measure",
            "role": "",
            "withdrawn": False,
            "text": "The creation and deletion of snapshots is part of the secure operation of "
            "virtual infrastructures.",
            "note": "",
            "sentences": [],
            "maps_to": [],
        },
    ),
    OpenApiExample(
        "A SYS.1.5 requirement with its sentences and the checks that test them",
        value={
            "ref": "SYS.1.5.A21",
            "catalog": "SYS.1.5",
            "title_de": "Sichere Konfiguration virtueller IT-Systeme bei erhöhtem Schutzbedarf",
            "title_en": "Secure configuration of virtual IT systems with elevated protection needs",
            "level": "high",
            "role": "",
            "withdrawn": False,
            "text": "",
            "note": "",
            "sentences": [
                {
                    "number": 1,
                    "modal": "SOLLTE",
                    "text": "Für virtuelle IT-Systeme SOLLTEN Überbuchungsfunktionen für "
                    "Ressourcen deaktiviert werden.",
                    "checks": [
                        {
                            "check": "MEM-003",
                            "rationale": "Fails when running VMs are configured with more "
                            "memory than the host has times the limit (default 1), i.e. when "
                            "memory is overcommitted.",
                        }
                    ],
                }
            ],
            "maps_to": [],
        },
    ),
    OpenApiExample(
        "A withdrawn SYS.1.5 requirement",
        value={
            "ref": "SYS.1.5.A18",
            "catalog": "SYS.1.5",
            "title_de": "ENTFALLEN",
            "title_en": "Withdrawn",
            "level": "standard",
            "role": "",
            "withdrawn": True,
            "text": "Diese Anforderung ist entfallen.",
            "note": "",
            "sentences": [],
            "maps_to": [],
        },
    ),
]

CHECK_EXAMPLES = [
    OpenApiExample(
        "SNAP-001 with its age limit raised to 7 days",
        value={
            "id": "SNAP-001",
            "title": "Snapshot older than the allowed age",
            "description": "A snapshot is a temporary measure; old ones grow, slow the VM and "
            "hide from backups.",
            "requirements": ["M4349.SNAPSHOTS"],
            "severity": "medium",
            "target": "snapshot",
            "platforms": ["vcenter", "proxmox"],
            "enabled": True,
            "parameters": [
                {
                    "name": "max_age_days",
                    "label": "Largest snapshot age",
                    "kind": "int",
                    "default": 3,
                    "value": 7,
                    "minimum": 0,
                    "maximum": 3650,
                    "unit": "days",
                }
            ],
        },
    ),
    OpenApiExample(
        "ADM-003 with the administration networks set",
        value={
            "id": "ADM-003",
            "title": "Management address outside the administration networks",
            "description": "Management interfaces belong in a separate administration network "
            "(M 5.154).",
            "requirements": ["M4349.ADMIN", "M5.154"],
            "severity": "high",
            "target": "host",
            "platforms": ["vcenter", "proxmox"],
            "enabled": True,
            "parameters": [
                {
                    "name": "admin_networks",
                    "label": "Administration networks",
                    "kind": "cidr_list",
                    "default": [],
                    "value": ["10.1.0.0/24", "10.2.0.0/24"],
                    "minimum": None,
                    "maximum": None,
                    "unit": "",
                }
            ],
        },
    ),
]
CHECK_UPDATE_EXAMPLES = [
    OpenApiExample(
        "Allow snapshots up to 7 days (SNAP-001)", value={"parameters": {"max_age_days": 7}}
    ),
    OpenApiExample("Switch a check off", value={"enabled": False}),
]

FINDING_EXAMPLES = [
    OpenApiExample(
        "An old snapshot, waived",
        value={
            "id": 6624,
            "check_id": "SNAP-001",
            "endpoint": 2,
            "endpoint_name": "pve-lab",
            "cluster": 4,
            "object_type": "snapshot",
            "object_id": 3342,
            "object_name": "pre-upgrade",
            "object_external_id": "qemu/101/pre-upgrade",
            "object_path": "pve-lab › lab › pve2 › db01 › pre-upgrade",
            "path": [
                {"type": "endpoint", "id": 2, "name": "pve-lab", "external_id": ""},
                {"type": "cluster", "id": 4, "name": "lab", "external_id": "cluster/lab"},
                {"type": "host", "id": 12, "name": "pve2", "external_id": "node/pve2"},
                {"type": "vm", "id": 881, "name": "db01", "external_id": "qemu/101"},
                {
                    "type": "snapshot",
                    "id": 3342,
                    "name": "pre-upgrade",
                    "external_id": "qemu/101/pre-upgrade",
                },
            ],
            "status": "fail",
            "display_status": "waived",
            "waived": True,
            "waiver": 57,
            "severity": "medium",
            "message": "Snapshot is 7.1 days old (allowed 3).",
            "evidence": {
                "created_at": "2026-11-20T07:44:51+00:00",
                "age_days": 7.1,
                "threshold_days": 3,
            },
            "first_seen": "2026-11-23T08:00:31Z",
            "last_seen": "2026-11-27T10:00:30Z",
            "resolved_at": None,
            "resolution": "",
        },
    ),
    OpenApiExample(
        "SSH left running on an ESXi host, since resolved",
        value={
            "id": 6571,
            "check_id": "ADM-001",
            "endpoint": 1,
            "endpoint_name": "vc-prod",
            "cluster": 3,
            "object_type": "host",
            "object_id": 7,
            "object_name": "esx01.example.org",
            "object_external_id": "host-21",
            "object_path": "vc-prod › Production › esx01.example.org",
            "path": [
                {"type": "endpoint", "id": 1, "name": "vc-prod", "external_id": ""},
                {"type": "cluster", "id": 3, "name": "Production", "external_id": "domain-c8"},
                {"type": "host", "id": 7, "name": "esx01.example.org", "external_id": "host-21"},
            ],
            "status": "fail",
            "display_status": "resolved",
            "waived": False,
            "waiver": None,
            "severity": "high",
            "message": "Running: ssh.",
            "evidence": {"running": ["ssh"], "services": ["ssh", "esxi_shell", "ntp"]},
            "first_seen": "2026-11-25T14:00:29Z",
            "last_seen": "2026-11-26T16:00:33Z",
            "resolved_at": "2026-11-26T16:30:27Z",
            "resolution": "fixed",
        },
    ),
]

RUN_OUTCOME_EXAMPLES = [
    OpenApiExample(
        "A run that saw the NTP deviation",
        value={
            "run_id": 911,
            "at": "2026-11-28T09:00:37Z",
            "status": "fail",
            "message": "No NTP server configured.",
            "evidence": {"ntp_servers": [], "synced_at": "2026-11-28T08:59:02+00:00"},
        },
        response_only=True,
    ),
    OpenApiExample(
        "A later run in which it passed",
        value={
            "run_id": 912,
            "at": "2026-11-28T10:00:41Z",
            "status": "pass",
            "message": "",
            "evidence": {},
        },
        response_only=True,
    ),
]

_SUMMARY = {"fulfilled": 7, "partly": 5, "not_fulfilled": 0, "not_checked": 2}
CHECK_RUN_EXAMPLES = [
    OpenApiExample(
        "A finished run over every endpoint",
        value={
            "id": 1290,
            "endpoint": None,
            "status": "succeeded",
            "trigger": "sync",
            "requested_by": "",
            "queued_at": "2026-11-27T10:00:13Z",
            "started_at": "2026-11-27T10:00:14Z",
            "finished_at": "2026-11-27T10:00:30Z",
            "duration_seconds": 16.4,
            "counts": {
                "pass": 1843,
                "fail": 12,
                "warning": 3,
                "not_applicable": 96,
                "opened": 2,
                "still_open": 13,
                "resolved": 1,
                "endpoints": 2,
            },
            "requirement_summary": {
                "M4349": _SUMMARY,
                "SYS.1.5": {
                    "fulfilled": 6,
                    "partly": 8,
                    "not_fulfilled": 0,
                    "not_checked": 12,
                    "withdrawn": 2,
                },
                "by_endpoint": {
                    "1": {"M4349": _SUMMARY},
                    "2": {"M4349": {**_SUMMARY, "fulfilled": 8, "partly": 4}},
                },
            },
            "error": "",
            "progress": {},
        },
    ),
    OpenApiExample(
        "A run going through the checks",
        value={
            "id": 1290,
            "endpoint": None,
            "status": "running",
            "trigger": "schedule",
            "requested_by": "",
            "queued_at": "2026-11-27T10:11:00Z",
            "started_at": "2026-11-27T10:11:01Z",
            "finished_at": None,
            "duration_seconds": None,
            "counts": {},
            "requirement_summary": {},
            "error": "",
            "progress": {"what": "checks", "done": 12, "total": 38},
        },
        response_only=True,
    ),
    OpenApiExample(
        "A run just queued for one endpoint",
        value={
            "id": 1291,
            "endpoint": 2,
            "status": "queued",
            "trigger": "api",
            "requested_by": "olga",
            "queued_at": "2026-11-27T10:12:40Z",
            "started_at": None,
            "finished_at": None,
            "duration_seconds": None,
            "counts": {},
            "requirement_summary": {},
            "error": "",
            "progress": {},
        },
        status_codes=["200", "202"],
    ),
]
CHECK_RUN_CREATE_EXAMPLES = [
    OpenApiExample("One endpoint", value={"endpoint": 2}),
    OpenApiExample(
        "Every endpoint",
        value={"endpoint": None},
        description="Only for users whose role is not limited to some endpoints.",
    ),
]

_WAIVER_REASON = (
    "Kept until the PostgreSQL 17 upgrade is signed off (CHG-4802); deleted right after."
)
WAIVER_EXAMPLES = [
    OpenApiExample(
        "Waive one finding",
        value={
            "check_id": "SNAP-001",
            "scope": "object",
            "finding": 6624,
            "reason": _WAIVER_REASON,
            "expires_at": "2026-12-04T17:00:00Z",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Waive a check for a cluster",
        value={
            "check_id": "NET-003",
            "scope": "cluster",
            "cluster": 4,
            "reason": "Lab cluster: one uplink per bridge until the second switch is racked "
            "(CHG-4810).",
            "expires_at": "2027-03-31T00:00:00Z",
        },
        request_only=True,
    ),
    OpenApiExample(
        "An active waiver of one finding",
        value={
            "id": 57,
            "check_id": "SNAP-001",
            "scope": "object",
            "endpoint": 2,
            "cluster": None,
            "object_type": "snapshot",
            "object_id": 3342,
            "object_name": "pre-upgrade",
            "reason": _WAIVER_REASON,
            "expires_at": "2026-12-04T17:00:00Z",
            "state": "active",
            "created_by": "olga",
            "created_at": "2026-11-27T09:41:12Z",
            "approved_by": "peter",
            "approved_at": "2026-11-27T10:15:40Z",
            "revoked_at": None,
            "revoked_by": "",
            "revoke_reason": "",
        },
        response_only=True,
    ),
    OpenApiExample(
        "A cluster waiver request, rejected by a second officer",
        value={
            "id": 58,
            "check_id": "NET-003",
            "scope": "cluster",
            "endpoint": 2,
            "cluster": 4,
            "object_type": "",
            "object_id": None,
            "object_name": "",
            "reason": "Lab cluster: one uplink per bridge until the second switch is racked "
            "(CHG-4810).",
            "expires_at": "2027-03-31T00:00:00Z",
            "state": "rejected",
            "created_by": "olga",
            "created_at": "2026-11-27T09:45:03Z",
            "approved_by": "",
            "approved_at": None,
            "revoked_at": "2026-11-27T11:02:56Z",
            "revoked_by": "peter",
            "revoke_reason": "Lab cluster runs production since CHG-4811; no exception there.",
        },
        response_only=True,
    ),
]


def _check_state(check_id: str, title: str, **counts) -> dict:
    state = {"evaluated": 41, "passed": 41, "open": 0, "waived": 0, "not_applicable": 0}
    state.update(counts)
    status = "ok" if not state["open"] else ("some" if state["passed"] else "all")
    return {"check_id": check_id, "title": title, "state": status, **state, "reason": ""}


WAIVER_REVOKE_EXAMPLES = [
    OpenApiExample(
        "Revoke a waiver early",
        value={"reason": "Second switch racked early; the finding should count again."},
        request_only=True,
    )
]

_SNAPSHOT_CHECKS = [
    _check_state("SNAP-001", "Snapshot older than the allowed age", passed=38, open=2, waived=1),
    _check_state("SNAP-002", "Too many snapshots on one VM", evaluated=27, passed=27),
    _check_state("SNAP-003", "Snapshot includes the VM's memory", passed=40, open=1),
    {
        **_check_state(
            "SNAP-004", "Snapshot past its expiry", evaluated=12, passed=12, not_applicable=29
        ),
        "reason": "The snapshot has no expiry (not made through the portal).",
    },
    _check_state(
        "SNAP-005", "Snapshot made outside the portal without an owner", passed=40, open=1
    ),
]
REQUIREMENT_STATUS_EXAMPLE = OpenApiExample(
    "Snapshots: partly fulfilled",
    value={
        "results": [
            {
                "ref": "M4349.SNAPSHOTS",
                "catalog": "M4349",
                "title_en": "Creation and deletion of snapshots",
                "title_de": "Erstellen und Löschen von Snapshots",
                "level": "measure",
                "status": "partly",
                "open_findings": 4,
                "sources": [],
                "checks": _SNAPSHOT_CHECKS,
                "sentences": [],
                "evidence": "/api/compliance/findings/?requirement=M4349.SNAPSHOTS",
            },
            {
                "ref": "SYS.1.5.A24",
                "catalog": "SYS.1.5",
                "title_en": "Deactivating snapshots of virtual IT systems",
                "title_de": "Deaktivierung von Snapshots virtueller IT-Systeme",
                "level": "high",
                "status": "not_checked",
                "open_findings": 0,
                "sources": [],
                "checks": [],
                "sentences": [
                    {"number": 1, "modal": "SOLLTE", "status": "not_checked", "checks": []}
                ],
                "evidence": "/api/compliance/findings/?requirement=SYS.1.5.A24",
            },
            {
                "ref": "SYS.1.5.A18",
                "catalog": "SYS.1.5",
                "title_en": "Withdrawn",
                "title_de": "ENTFALLEN",
                "level": "standard",
                "status": "withdrawn",
                "open_findings": 0,
                "sources": [],
                "checks": [],
                "sentences": [],
                "evidence": "/api/compliance/findings/?requirement=SYS.1.5.A18",
            },
        ]
    },
    description="Every requirement of both catalogs is listed; three are shown here. No check "
    "tests whether the snapshot function is switched off (A24), so the snapshot checks do not "
    "make it fulfilled; A18 is withdrawn in Edition 2023.",
)


class StatusViewExamples(OpenApiViewExtension):
    """The example of GET /api/compliance/status/, whose answer the view builds inline.

    An extension, because that answer has no serializer class to carry it; it belongs on the
    view's own ``@extend_schema`` and can move there whenever compliance/api/views.py is edited.
    """

    target_class = "compliance.api.views.StatusView"

    def view_replacement(self):
        @extend_schema_view(get=extend_schema(examples=[REQUIREMENT_STATUS_EXAMPLE]))
        class StatusView(self.target_class):
            pass

        return StatusView


# --------------------------------------------------------------------- Grundschutz-Check
_TARGET = {
    "id": 3,
    "kind": "cluster",
    "name": "vc-prod › Production",
    "endpoint": 1,
    "cluster": 4,
    "tag": "",
    "confidentiality": "high",
    "integrity": "high",
    "availability": "normal",
    "need_justification": "Customer data of the web shop (Schutzbedarfsfeststellung 2026-10).",
    "effective_needs": {
        "confidentiality": "high",
        "integrity": "high",
        "availability": "high",
    },
    "elevated": True,
    "created_by": "olga",
    "created_at": "2026-11-02T09:14:00Z",
    "updated_by": "olga",
    "updated_at": "2026-11-20T16:02:00Z",
}
TARGET_EXAMPLES = [
    OpenApiExample(
        "A cluster as target object",
        value={
            "kind": "cluster",
            "cluster": 4,
            "confidentiality": "high",
            "integrity": "high",
            "availability": "normal",
            "need_justification": _TARGET["need_justification"],
        },
        request_only=True,
    ),
    OpenApiExample(
        "VMs tagged pci on one endpoint",
        value={"kind": "tag", "tag": "pci", "endpoint": 2, "confidentiality": "very_high"},
        request_only=True,
    ),
    OpenApiExample(
        "A cluster whose availability need comes from its endpoint",
        value=_TARGET,
        response_only=True,
        description="Its own availability need is normal; the endpoint's target says high, so "
        "by the maximum principle the cluster's effective need is high.",
    ),
]
TARGET_UPDATE_EXAMPLES = [
    OpenApiExample(
        "Raise the availability need",
        value={
            "availability": "very_high",
            "need_justification": "The shop's SLA is 99.95 % since CHG-4902.",
        },
        request_only=True,
    )
]
_ASSESSMENT = {
    "requirement": "SYS.1.5.A7",
    "target": 3,
    "status": "entbehrlich",
    "justification": "The guests take their time from the hosts through the guest tools only.",
    "responsible": "Team Virtualisierung",
    "due_date": None,
    "last_review": "2026-11-20",
    "next_review": "2027-11-20",
    "review_due": False,
    "version": 2,
    "updated_by": "olga",
    "updated_at": "2026-11-20T16:05:00Z",
}
ASSESSMENT_SAVE_EXAMPLES = [
    OpenApiExample(
        "Dispensable, with its justification",
        value={
            "status": "entbehrlich",
            "justification": _ASSESSMENT["justification"],
            "responsible": "Team Virtualisierung",
            "last_review": "2026-11-20",
            "next_review": "2027-11-20",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Partly, with a date in the Realisierungsplan",
        value={
            "status": "teilweise",
            "responsible": "Team Virtualisierung",
            "due_date": "2027-03-31",
            "last_review": "2026-11-20",
            "next_review": "2027-05-20",
        },
        request_only=True,
    ),
]
ASSESSMENT_EXAMPLES = [
    OpenApiExample(
        "An assessment and its history",
        value={
            **_ASSESSMENT,
            "versions": [
                {
                    "version": 2,
                    "status": "entbehrlich",
                    "justification": _ASSESSMENT["justification"],
                    "responsible": "Team Virtualisierung",
                    "due_date": None,
                    "last_review": "2026-11-20",
                    "next_review": "2027-11-20",
                    "changes": {
                        "status": ["teilweise", "entbehrlich"],
                        "justification": ["", _ASSESSMENT["justification"]],
                    },
                    "changed_by": "olga",
                    "changed_at": "2026-11-20T16:05:00Z",
                },
                {
                    "version": 1,
                    "status": "teilweise",
                    "justification": "",
                    "responsible": "Team Virtualisierung",
                    "due_date": None,
                    "last_review": "2026-11-20",
                    "next_review": "2027-11-20",
                    "changes": {
                        "status": [None, "teilweise"],
                        "responsible": [None, "Team Virtualisierung"],
                        "last_review": [None, "2026-11-20"],
                        "next_review": [None, "2027-11-20"],
                    },
                    "changed_by": "olga",
                    "changed_at": "2026-11-20T15:40:00Z",
                },
            ],
        },
        response_only=True,
    )
]
CHECK_ROW_EXAMPLES = [
    OpenApiExample(
        "Documented ja, but a check fails",
        value={
            "ref": "SYS.1.5.A17",
            "title_de": "Überwachung des Betriebszustands und der Konfiguration der virtuellen "
            "Infrastruktur",
            "title_en": "Monitoring of the operating status and configuration of the virtual "
            "infrastructure",
            "level": "standard",
            "withdrawn": False,
            "automated_status": "partly",
            "checks": [
                *("CPU-001", "CPU-002", "INT-002", "MEM-001", "MEM-002", "MEM-003", "MEM-004"),
                *("NET-004", "OPS-001", "OPS-002", "OPS-003", "OPS-004", "OPS-005"),
                *("STO-001", "STO-002", "STO-003"),
            ],
            "assessment": {
                **_ASSESSMENT,
                "requirement": "SYS.1.5.A17",
                "status": "ja",
                "justification": "",
                "version": 1,
            },
            "effective_status": "partly",
            "reason": "Documented as ja, but checks find deviations: OPS-003.",
            "review_due": False,
        },
        response_only=True,
    ),
]
