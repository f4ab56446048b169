"""An OSCAL 1.2 plan of action and milestones (POA&M) for the open findings.

Each open finding becomes an observation (what was seen on which object), a risk (its status:
``open``, or ``deviation-approved`` while an approved waiver covers it, with the waiver's expiry
as the deadline) and a POA&M item that ties them together. Where a person gave the requirement a
due date in the manual Grundschutz-Check, the risk carries a planned remediation with that date
as its milestone. There is no OSCAL system security plan to import, so the objects the findings
name are defined in ``local-definitions`` and the system is identified by the portal's own id.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from django.utils import timezone, translation

from ..checks import get_check
from ..models import Assessment, Finding
from .oscal import _line, _prop, _ts, _uuid, inventory_items, metadata, observation

SYSTEM_ID = str(uuid.uuid5(uuid.UUID("7d1c6f5e-6a51-4c1e-9e1f-1a2b3c4d5e6f"), "virtsec-estate"))


def _deadline(due: dt.date) -> str:
    """End of the due day in the portal's time zone, as OSCAL wants a moment with a zone."""
    end = dt.datetime.combine(due, dt.time(23, 59, 59), tzinfo=timezone.get_current_timezone())
    return _ts(end)


def _risk(
    f: Finding, obs_uuid: str, refs: list[str], assessments: Mapping[str, Assessment]
) -> dict[str, Any]:
    spec = get_check(f.check_id)
    title = spec.title if spec else f.check_id
    waiver = f.waiver if f.display_status == "waived" else None
    risk: dict[str, Any] = {
        "uuid": _uuid("risk", f.pk),
        "title": _line(f"{f.check_id} {title}: {f.object_path or f.object_name}"),
        "description": f.message,
        "statement": _line(
            f"Deviation from {', '.join(refs) or 'the portal check ' + f.check_id} "
            f"on {f.object_path or f.object_name} (severity {f.severity})."
        ),
        "props": [_prop("severity", f.severity), _prop("requirements", " ".join(refs) or "-")],
        "status": "deviation-approved" if waiver else "open",
        "related-observations": [{"observation-uuid": obs_uuid}],
    }
    if waiver:
        risk["deadline"] = _ts(waiver.expires_at)
        risk["mitigating-factors"] = [
            {
                "uuid": _uuid("waiver", waiver.pk),
                "description": _line(
                    f"Risk accepted by waiver #{waiver.pk} (requested by {waiver.created_by}, "
                    f"approved by {waiver.approved_by or '-'}): {waiver.reason}"
                ),
            }
        ]
    dues = sorted(
        (a.due_date, ref) for ref in refs if (a := assessments.get(ref)) is not None and a.due_date
    )
    if dues:
        due, ref = dues[0]
        risk.setdefault("deadline", _deadline(due))
        responsible = assessments[ref].responsible
        risk["remediations"] = [
            {
                "uuid": _uuid("remediation", f.pk, ref),
                "lifecycle": "planned",
                "title": _line(f"Implement {ref}"),
                "description": _line(
                    f"Planned in the Grundschutz-Check for {ref}"
                    + (f", responsible: {responsible}" if responsible else "")
                    + "."
                ),
                "tasks": [
                    {
                        "uuid": _uuid("milestone", f.pk, ref),
                        "type": "milestone",
                        "title": _line(f"{ref} implemented"),
                        "timing": {"on-date": {"date": _deadline(due)}},
                    }
                ],
            }
        ]
    return risk


def plan_of_action(
    findings: list[Finding],
    requirements_of: Mapping[str, list[str]],
    assessments: Mapping[str, Assessment] | None = None,
    *,
    title: str,
) -> dict[str, Any]:
    """The POA&M document. ``requirements_of`` maps a check id to the requirement refs it tests."""
    assessments = assessments or {}
    now = timezone.now()
    with translation.override("en"):
        observations, risks, items = [], [], []
        for f in findings:
            refs = requirements_of.get(f.check_id, [])
            obs_uuid = _uuid("poam-observation", f.pk)
            observations.append(observation(f, obs_uuid))
            risk = _risk(f, obs_uuid, refs, assessments)
            risks.append(risk)
            items.append(
                {
                    "uuid": _uuid("poam-item", f.pk),
                    "title": risk["title"],
                    "description": _line(f"{f.message} Fix it on the object, then run the checks."),
                    "props": [_prop("finding-id", f.pk)],
                    "related-observations": [{"observation-uuid": obs_uuid}],
                    "related-risks": [{"risk-uuid": risk["uuid"]}],
                }
            )
    document: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "metadata": metadata(title, now),
        "system-id": {"identifier-type": "https://ietf.org/rfc/rfc4122", "id": SYSTEM_ID},
        "poam-items": items
        or [
            {
                "title": "No open findings",
                "description": "The latest check runs left no finding open in this scope.",
            }
        ],
    }
    if observations:
        document["local-definitions"] = {"inventory-items": inventory_items(findings)}
        document["observations"] = observations
        document["risks"] = risks
    return {"plan-of-action-and-milestones": document}
