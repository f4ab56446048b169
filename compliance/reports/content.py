"""What every report says, gathered once: the rows of a Grundschutz-Check and the open findings
per object. The PDF, the verinice CSV and OSCAL render the same content, so they cannot disagree.

A row is one requirement for one target object (Zielobjekt): its Umsetzungsstatus, the
justification, who is responsible and until when (from a manual assessment where one exists),
and the automated evidence (each mapped check with how many objects it judged, how many deviate,
and when it last ran).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ..choices import Catalog, EffectiveStatus
from ..models import Assessment, Finding, Requirement, TargetObject, Waiver
from ..services.assessments import _target_rows, automated_statuses, grundschutz_check
from ..services.status import CheckState, RequirementState

# The Umsetzungsstatus words of a Grundschutz-Check for each status the portal states (the
# effective status of compliance.services.assessments; a requirement status without a target
# object is one of its values). The portal's own states keep their names: they are not "ja".
UMSETZUNG = {
    EffectiveStatus.FULFILLED: _("yes"),
    EffectiveStatus.PARTLY: _("partially"),
    EffectiveStatus.NOT_FULFILLED: _("no"),
    EffectiveStatus.DISPENSABLE: _("dispensable"),
    EffectiveStatus.RISK_ACCEPTED: _("risk accepted"),
    EffectiveStatus.REVIEW_DUE: _("review due"),
    EffectiveStatus.NOT_CHECKED: _("not checked"),
    EffectiveStatus.NOT_APPLICABLE: _("not applicable (protection need normal)"),
    EffectiveStatus.WITHDRAWN: _("withdrawn"),
}


@dataclass
class Row:
    requirement: Requirement
    status: str  # what the report states (a key of UMSETZUNG)
    automated: str  # what the checks alone say
    checks: list[CheckState]
    assessment: Assessment | None = None
    reason: str = ""  # why the stated status is what it is
    open_findings: int = 0

    @property
    def umsetzung(self) -> str:
        return str(UMSETZUNG.get(self.status, self.status))


@dataclass
class ObjectFindings:
    """The open findings of one inventory object, under its full path and platform id."""

    path: str
    external_id: str
    endpoint: str
    object_type: str
    findings: list[Finding] = field(default_factory=list)


def _judged(state: RequirementState) -> list[CheckState]:
    return [c for c in state.checks if c.state != "none" or c.evaluated]


def automated_rows(states: Iterable[RequirementState]) -> list[Row]:
    """Rows from the checks alone (no target object chosen: nothing was assessed by a person)."""
    return [
        Row(s.requirement, s.status, s.status, _judged(s), open_findings=s.open_findings)
        for s in states
    ]


def target_rows(target: TargetObject) -> list[Row]:
    """A target's Grundschutz-Check: SYS.1.5 with assessments and effective status, then M 4.349
    from its checks (the measure has no assessments of its own)."""
    everyone = list(TargetObject.objects.all())
    sys15 = [
        Row(
            r.requirement,
            r.effective.status,
            r.automated.status,
            _judged(r.automated),
            r.assessment,
            str(r.effective.reason or ""),
            r.automated.open_findings,
        )
        for r in grundschutz_check(target, targets=everyone)
    ]
    m4349 = [
        s for s in automated_statuses(target).values() if s.requirement.catalog == Catalog.M4349
    ]
    return automated_rows(m4349) + sys15


def target_findings(target: TargetObject):
    """The open findings about a target's objects."""
    return _target_rows(target)[0].open()


def findings_by_object(findings: Iterable[Finding]) -> list[ObjectFindings]:
    """Open findings grouped per object, in path order (the object an administrator fixes)."""
    groups: dict[tuple, ObjectFindings] = {}
    for f in findings:
        key = (f.endpoint_id, f.object_type, f.object_id)
        if key not in groups:
            groups[key] = ObjectFindings(
                path=f.object_path or f.object_name,
                external_id=f.object_external_id,
                endpoint=f.endpoint.name,
                object_type=f.object_type,
            )
        groups[key].findings.append(f)
    for group in groups.values():
        group.findings.sort(key=lambda f: f.check_id)
    return sorted(groups.values(), key=lambda g: (g.path.casefold(), g.external_id))


def waivers_by_check(waivers: Iterable[Waiver]) -> dict[str, list[Waiver]]:
    result: dict[str, list[Waiver]] = {}
    for w in waivers:
        result.setdefault(w.check_id, []).append(w)
    return result
