"""An OSCAL 1.2 assessment-results document of the current compliance state.

Each requirement becomes a reviewed control (``prop`` ids are our requirement refs); each open
finding becomes an observation plus a finding whose target is the requirement's objective.

Only what was judged is claimed: a requirement that is *not checked* gets no OSCAL finding (the
result's remarks name them), since OSCAL's target status knows only satisfied and not-satisfied;
*risk accepted* (every deviation waived) is not-satisfied with the waivers in the remarks, never
satisfied. ``import-ap`` points at a resource in the document's own back-matter that describes
the portal's assessment method (automated checks, their mapping, when they ran), not at a plan
document that does not exist.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.utils import timezone, translation

from ..checks import get_check
from ..choices import RequirementStatus
from ..models import Finding
from ..services.status import RequirementState

OSCAL_VERSION = "1.2.3"  # the published schema the export is tested against
NAMESPACE = uuid.UUID("7d1c6f5e-6a51-4c1e-9e1f-1a2b3c4d5e6f")
PLAN_UUID = str(uuid.uuid5(NAMESPACE, "assessment-method"))


def _uuid(*parts: Any) -> str:
    """Stable UUIDs, so the same finding keeps its id across exports."""
    return str(uuid.uuid5(NAMESPACE, "/".join(map(str, parts))))


def _ts(value) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _line(text: str) -> str:
    """OSCAL ``markup-line``: one line. Inventory names may hold line breaks (vCenter allows them)."""
    return " ".join(str(text).split()) or "(no name)"


def _control_id(ref: str) -> str:
    # OSCAL token: letters, digits, '.', '_', '-'; must not start with a digit.
    return ref.lower().replace(" ", "-")


NS = "https://virtsec.example/ns"


def _prop(name: str, value: Any) -> dict[str, str]:
    return {"name": name, "ns": NS, "value": _line(value)}


def metadata(title: str, now) -> dict[str, str]:
    """An OSCAL document's metadata: its title, when it was made and that as its version."""
    return {
        "title": _line(title),
        "last-modified": _ts(now),
        "version": now.strftime("%Y%m%d%H%M%S"),
        "oscal-version": OSCAL_VERSION,
    }


def subject_uuid(f: Finding) -> str:
    """The inventory item a finding is about: the same UUID in every export and in both models."""
    return _uuid("subject", f.object_type, f.object_id)


def observation(f: Finding, obs_uuid: str) -> dict[str, Any]:
    """One open finding as an OSCAL observation: what was seen on which object, and when."""
    spec = get_check(f.check_id)
    return {
        "uuid": obs_uuid,
        "title": _line(f"{f.check_id} {spec.title if spec else ''}"),
        "description": f.message,
        "props": [_prop("check-id", f.check_id), _prop("status", f.display_status)],
        "methods": ["TEST"],
        "subjects": [
            {
                "subject-uuid": subject_uuid(f),
                "type": "inventory-item",
                "title": _line(f.object_path or f.object_name),
                **(
                    {"props": [_prop("platform-id", f.object_external_id)]}
                    if f.object_external_id.strip()
                    else {}
                ),
            }
        ],
        "collected": _ts(f.last_seen),
        "remarks": "; ".join(f"{k}={v}" for k, v in sorted(f.evidence.items()))[:2000]
        or "no evidence",
    }


def inventory_items(findings: list[Finding]) -> list[dict[str, Any]]:
    """The objects the observations name, defined once each, so every subject resolves."""
    items: dict[str, dict[str, Any]] = {}
    for f in findings:
        key = subject_uuid(f)
        if key in items:
            continue
        props = [
            _prop("object-type", f.object_type),
            _prop("endpoint", f.endpoint.name),
            _prop("portal-id", f"{f.object_type}/{f.object_id}"),
        ]
        if f.object_external_id.strip():
            props.append(_prop("platform-id", f.object_external_id))
        items[key] = {
            "uuid": key,
            "description": _line(f.object_path or f.object_name),
            "props": props,
        }
    return list(items.values())


def assessment_results(
    states: list[RequirementState], findings: list[Finding], *, title: str
) -> dict[str, Any]:
    with translation.override("en"):  # OSCAL documents are in English (check titles)
        return _assessment_results(states, findings, title=title)


def _assessment_results(
    states: list[RequirementState], findings: list[Finding], *, title: str
) -> dict[str, Any]:
    now = timezone.now()
    by_check: dict[str, list[Finding]] = {}
    for f in findings:
        by_check.setdefault(f.check_id, []).append(f)
    observations, oscal_findings = [], []
    findings_seen: list[Finding] = []
    # A withdrawn requirement (SYS.1.5.A1, A18) is not assessed: no finding, no control.
    states = [s for s in states if not s.requirement.withdrawn]
    not_checked = [s.requirement.ref for s in states if s.status == RequirementStatus.NOT_CHECKED]
    for state in states:
        req = state.requirement
        if state.status == RequirementStatus.NOT_CHECKED:
            continue  # nothing was judged: no finding claims anything about it
        check_ids = {c.check_id for c in state.checks}
        related = [f for cid in sorted(check_ids) for f in by_check.get(cid, [])]
        obs_uuids = []
        for f in related:
            obs_uuid = _uuid("observation", req.ref, f.pk)
            obs_uuids.append(obs_uuid)
            observations.append(observation(f, obs_uuid))
            findings_seen.append(f)
        satisfied = state.status == RequirementStatus.FULFILLED
        waived = sum(c.waived for c in state.checks)
        description = f"Status: {state.status}. {len(related)} open finding(s)"
        if state.status == RequirementStatus.RISK_ACCEPTED:
            description += f", all {waived} under an active waiver (risk accepted, not fixed)"
        oscal_findings.append(
            {
                "uuid": _uuid("finding", req.ref),
                "title": _line(f"{req.ref} {req.title_en}"),
                "description": description + ".",
                "target": {
                    "type": "objective-id",
                    "target-id": _control_id(req.ref) + "_obj",
                    "status": {
                        "state": "satisfied" if satisfied else "not-satisfied",
                        **({"reason": "fail"} if not satisfied else {"reason": "pass"}),
                    },
                    "props": [
                        {
                            "name": "requirement-status",
                            "ns": "https://virtsec.example/ns",
                            "value": state.status,
                        }
                    ],
                },
                **(
                    {"related-observations": [{"observation-uuid": u} for u in obs_uuids]}
                    if obs_uuids
                    else {}
                ),
            }
        )
    result: dict[str, Any] = {
        "uuid": _uuid("result", now.isoformat()),
        "title": _line(title),
        "description": "Automated checks of the VirtSec Portal against BSI IT-Grundschutz M 4.349 and SYS.1.5.",
        "start": _ts(now),
        "reviewed-controls": {
            "control-selections": [
                {
                    "include-controls": [
                        {"control-id": _control_id(s.requirement.ref)} for s in states
                    ]
                }
            ]
        },
        "findings": oscal_findings,
    }
    if not_checked:
        result["remarks"] = "Not checked (no finding is made for them): " + ", ".join(not_checked)
    if observations:
        result["observations"] = observations
        result["local-definitions"] = {"inventory-items": inventory_items(findings_seen)}
    return {
        "assessment-results": {
            "uuid": str(uuid.uuid4()),
            "metadata": metadata(title, now),
            "import-ap": {"href": f"#{PLAN_UUID}"},
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": PLAN_UUID,
                        "title": "VirtSec Portal assessment method",
                        "description": (
                            "Automated checks of the VirtSec Portal over the inventory it syncs "
                            "from VMware vCenter and Proxmox VE, each check mapped to the "
                            "requirements of BSI IT-Grundschutz M 4.349 and SYS.1.5 it tests "
                            "(docs/compliance.md). Observations are the open findings of the "
                            "latest check run per endpoint; requirements no check tests are "
                            "not checked and carry no finding."
                        ),
                    }
                ]
            },
        }
    }
