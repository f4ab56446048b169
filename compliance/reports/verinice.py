"""The Grundschutz-Check as CSV in the shape verinice's CSV import takes for requirements.

verinice (SerNet's ISMS tool) imports CSV rows as objects of a type and maps columns to the
properties of its ``bp_requirement`` type in its import wizard; an ``extId`` column makes a
re-import update the same object instead of adding one. The columns here carry verinice's own
property ids (``bp_requirement_id``, ``bp_requirement_implementation_status`` with its option
values ``bp_requirement_implementation_status_yes`` / ``_partially`` / ``_no`` / ``_na``, ...), so
the wizard maps them by name. The extIds are stable: the same requirement and target give the
same id in every export (UUID v5 over the portal's namespace, the target and the reference).

Statuses that verinice has no option for (risk accepted, not checked, withdrawn) leave the
implementation status empty and say why in ``virtsec_status`` and the explanation, rather than
claim an implementation that was not judged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.utils import translation

from portal.csv_export import Column, csv_text

from ..choices import EffectiveStatus, Implementation, Level
from .content import UMSETZUNG, Row

NAMESPACE = uuid.UUID("7d1c6f5e-6a51-4c1e-9e1f-1a2b3c4d5e6f")  # as in the OSCAL export
IMPLEMENTATION = {
    EffectiveStatus.FULFILLED: "bp_requirement_implementation_status_yes",
    EffectiveStatus.PARTLY: "bp_requirement_implementation_status_partially",
    EffectiveStatus.NOT_FULFILLED: "bp_requirement_implementation_status_no",
    EffectiveStatus.DISPENSABLE: "bp_requirement_implementation_status_na",
}
# A documented status whose review is overdue is still what was documented (verinice keeps the
# review date itself); the explanation says the review is due.
DOCUMENTED = {
    Implementation.JA: EffectiveStatus.FULFILLED,
    Implementation.TEILWEISE: EffectiveStatus.PARTLY,
    Implementation.NEIN: EffectiveStatus.NOT_FULFILLED,
    Implementation.ENTBEHRLICH: EffectiveStatus.DISPENSABLE,
}


def _implementation(row: Row) -> str:
    status = row.status
    if status == EffectiveStatus.REVIEW_DUE and row.assessment is not None:
        status = DOCUMENTED.get(row.assessment.status, status)
    return IMPLEMENTATION.get(status, "")


QUALIFIER = {
    Level.BASIS: "bp_requirement_qualifier_basic",
    Level.STANDARD: "bp_requirement_qualifier_standard",
    Level.HIGH: "bp_requirement_qualifier_high",
}


def ext_id(target_key: str, ref: str) -> str:
    """The stable external id of a requirement for a target object."""
    return f"virtsec-{uuid.uuid5(NAMESPACE, f'verinice/{target_key}/{ref}')}"


def _explanation(row: Row) -> str:
    parts = []
    if row.assessment and row.assessment.justification:
        parts.append(row.assessment.justification)
    if row.status not in IMPLEMENTATION:
        parts.append(f"VirtSec Portal: {UMSETZUNG.get(row.status, row.status)}")
    if row.reason:
        parts.append(row.reason)
    checks = ", ".join(
        f"{c.check_id} ({c.evaluated}/{c.open})" for c in row.checks if c.state != "off"
    )
    if checks:
        parts.append(f"Prüfungen (geprüft/abweichend): {checks}")
    return " · ".join(str(p) for p in parts)


def _date(value) -> str:
    return value.isoformat() if value else ""


def verinice_csv(rows: Iterable[Row], *, target_key: str, target_name: str) -> str:
    """One line per requirement (withdrawn ones left out: verinice lists them as removed)."""
    with translation.override("de"):  # verinice's catalog is the German Kompendium
        columns = [
            Column("extId", lambda r: ext_id(target_key, r.requirement.ref)),
            Column("bp_requirement_id", lambda r: r.requirement.ref),
            Column("bp_requirement_name", lambda r: r.requirement.title_de),
            Column("bp_requirement_qualifier", lambda r: QUALIFIER.get(r.requirement.level, "")),
            Column("target_extId", lambda r: f"virtsec-target-{target_key}"),
            Column("target_name", lambda r: target_name),
            Column(
                "bp_requirement_implementation_status", lambda r: IMPLEMENTATION.get(r.status, "")
            ),
            Column("virtsec_status", lambda r: r.status),
            Column("bp_requirement_implementation_explanation", _explanation),
            Column("responsible", lambda r: r.assessment.responsible if r.assessment else ""),
            Column(
                "bp_requirement_implementation_by_date",
                lambda r: _date(r.assessment.due_date) if r.assessment else "",
            ),
            Column(
                "bp_requirement_revision_next_revision_date",
                lambda r: _date(r.assessment.next_review) if r.assessment else "",
            ),
            Column("open_findings", lambda r: r.open_findings),
        ]
        kept = [r for r in rows if r.status != EffectiveStatus.WITHDRAWN]
        return csv_text(kept, columns)
