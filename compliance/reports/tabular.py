"""Findings as CSV and JSON rows (the same columns in both)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from operator import itemgetter
from typing import Any

from portal.csv_export import Column, csv_text
from portal.timefmt import utc_iso

from ..models import Finding

COLUMNS = [
    "id",
    "check_id",
    "status",
    "display_status",
    "severity",
    "endpoint",
    "object_type",
    "object_id",
    "object_name",
    "object_external_id",
    "object_path",
    "message",
    "first_seen",
    "last_seen",
    "resolved_at",
    "resolution",
    "waiver_id",
    "evidence",
]


def finding_row(f: Finding) -> dict[str, Any]:
    return {
        "id": f.pk,
        "check_id": f.check_id,
        "status": f.status,
        "display_status": f.display_status,
        "severity": f.severity,
        "endpoint": f.endpoint.name,
        "object_type": f.object_type,
        "object_id": f.object_id,
        "object_name": f.object_name,
        "object_external_id": f.object_external_id,
        "object_path": f.object_path,
        "message": f.message,
        "first_seen": utc_iso(f.first_seen),
        "last_seen": utc_iso(f.last_seen),
        "resolved_at": utc_iso(f.resolved_at),
        "resolution": f.resolution,
        "waiver_id": f.waiver_id,
        "evidence": f.evidence,
    }


def _as_json(row: dict[str, Any]) -> Any:
    value = row["evidence"]
    return json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value


# Written by the portal's one CSV writer (its formula guard included), columns as in finding_row.
CSV_COLUMNS = [
    Column(name, _as_json if name == "evidence" else itemgetter(name)) for name in COLUMNS
]


def findings_csv(findings: Iterable[Finding]) -> str:
    return csv_text((finding_row(f) for f in findings), CSV_COLUMNS)


def findings_json(findings: Iterable[Finding]) -> str:
    return json.dumps(
        {"findings": [finding_row(f) for f in findings]}, indent=2, ensure_ascii=False
    )
