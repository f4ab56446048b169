"""What every report says, gathered once: the rows of a Grundschutz-Check and the open findings
per object. The PDF, the verinice CSV and OSCAL render the same content, so they cannot disagree.

A row is one requirement for one target object (Zielobjekt): its Umsetzungsstatus, the
justification, who is responsible and until when (from a manual assessment where one exists),
and the automated evidence (each mapped check with how many objects it judged, how many deviate,
and when it last ran).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ..choices import RequirementStatus
from ..models import Finding, Requirement, Waiver
from ..services.status import CheckState, RequirementState

# The Umsetzungsstatus words of a Grundschutz-Check for each requirement status; the portal's
# own states (risk accepted, not checked, withdrawn) keep their names, they are not "ja".
UMSETZUNG = {
    RequirementStatus.FULFILLED: _("yes"),
    RequirementStatus.PARTLY: _("partially"),
    RequirementStatus.NOT_FULFILLED: _("no"),
    RequirementStatus.RISK_ACCEPTED: _("risk accepted"),
    RequirementStatus.NOT_CHECKED: _("not checked"),
    RequirementStatus.WITHDRAWN: _("withdrawn"),
    "not_needed": _("dispensable"),  # entbehrlich, from a manual assessment only
}


@dataclass(frozen=True)
class Assessment:
    """A person's assessment of one requirement for one target (the manual Grundschutz-Check)."""

    status: str  # a key of UMSETZUNG
    justification: str = ""
    responsible: str = ""
    due: dt.date | None = None
    reviewed: dt.date | None = None
    next_review: dt.date | None = None
    external_id: str = ""


@dataclass
class Row:
    requirement: Requirement
    status: str  # what the report states (a key of UMSETZUNG)
    automated: str  # what the checks alone say
    checks: list[CheckState]
    assessment: Assessment | None = None
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


def effective_status(automated: str, assessment: Assessment | None) -> str:
    """The status a report states: a person's assessment, but never better than the checks.

    A failing check (partly / not fulfilled) is never shown as "ja" or "entbehrlich"; a
    requirement no check tested takes the assessment as it is.
    """
    if assessment is None or automated == RequirementStatus.WITHDRAWN:
        return automated
    if automated in (RequirementStatus.PARTLY, RequirementStatus.NOT_FULFILLED):
        if assessment.status == RequirementStatus.NOT_FULFILLED:
            return assessment.status
        return automated
    return assessment.status


def rows(
    states: Iterable[RequirementState], assessments: Mapping[str, Assessment] | None = None
) -> list[Row]:
    assessments = assessments or {}
    result = []
    for state in states:
        assessment = assessments.get(state.requirement.ref)
        result.append(
            Row(
                requirement=state.requirement,
                status=effective_status(state.status, assessment),
                automated=state.status,
                checks=[c for c in state.checks if c.state != "none" or c.evaluated],
                assessment=assessment,
                open_findings=state.open_findings,
            )
        )
    return result


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
