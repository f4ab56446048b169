"""Findings as CSV and JSON rows (the same columns in both)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

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
    "message",
    "first_seen",
    "last_seen",
    "resolved_at",
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
        "message": f.message,
        "first_seen": utc_iso(f.first_seen),
        "last_seen": utc_iso(f.last_seen),
        "resolved_at": utc_iso(f.resolved_at),
        "waiver_id": f.waiver_id,
        "evidence": f.evidence,
    }


def _cell(value: Any) -> Any:
    text = json.dumps(value, sort_keys=True) if isinstance(value, dict | list) else value
    # Spreadsheet formula injection: a cell starting with = + - @ is shown as text.
    if isinstance(text, str) and text[:1] in ("=", "+", "-", "@"):
        return "'" + text
    return "" if text is None else text


def findings_csv(findings: Iterable[Finding]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS)
    writer.writeheader()
    for f in findings:
        writer.writerow({k: _cell(v) for k, v in finding_row(f).items()})
    return out.getvalue()


def findings_json(findings: Iterable[Finding]) -> str:
    return json.dumps(
        {"findings": [finding_row(f) for f in findings]}, indent=2, ensure_ascii=False
    )
