"""The manual Grundschutz-Check: target objects, their Schutzbedarf, assessments, effective status.

What other parts (pages, API, reports) call:

- :func:`assessment_of` — the officer's assessment of requirement R for target T (or None);
- :func:`automated_statuses` — what the checks say per requirement over one target's objects;
- :func:`effective_status` — what the portal states for R and T: documented *and* tested;
- :func:`grundschutz_check` — one row per SYS.1.5 requirement for a target, all three side by side;
- :func:`assessment_save`, :func:`target_create`, :func:`target_update` — the only writers, each
  change audited with before and after; assessments keep every version (append-only).

The effective status (docs/compliance.md, "The manual Grundschutz-Check"), first rule that holds:

1. a withdrawn requirement is *withdrawn*;
2. an "erhöht" requirement (level H) where the target's protection need is normal in all three
   goals is *not applicable* and not counted;
3. a check that deviates (automated *partly* / *not fulfilled*) decides: never "ja" over a
   failing check; a documented "nein" makes *partly* into *not fulfilled*;
4. documented "nein" is *not fulfilled*, "teilweise" *partly*;
5. a documented "ja" or "entbehrlich" whose next review has passed is *review due*;
6. deviations that remain, all of them waived, are *risk accepted* (never fulfilled);
7. "entbehrlich" is *dispensable* (its justification is required);
8. "ja" is *fulfilled* unless a check of the requirement is switched off (then *not checked*:
   documented, but not tested while it is off);
9. nothing documented: *not checked* (passing checks alone never make "ja").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.models import Cluster, Endpoint, Snapshot, VirtualMachine
from inventory.tags import tagged
from portal.audit import audit

from ..checks import all_checks
from ..choices import (
    Catalog,
    EffectiveStatus,
    Implementation,
    Level,
    ObjectType,
    ProtectionNeed,
    RequirementStatus,
    TargetKind,
)
from ..models import (
    ASSESSMENT_FIELDS,
    PROTECTION_GOALS,
    Assessment,
    AssessmentVersion,
    CheckResult,
    Finding,
    Requirement,
    TargetObject,
)
from ..protection import effective_needs, overall
from .status import RequirementState, requirement_statuses

# Statuses a target's summary leaves out: not assessed by design.
NOT_COUNTED = (EffectiveStatus.NOT_APPLICABLE, EffectiveStatus.WITHDRAWN)
# Checks that judge VMs or their snapshots: the only ones that speak about a group of tagged VMs.
VM_TARGETS = (ObjectType.VM, ObjectType.SNAPSHOT)


def _name(actor: Any) -> str:
    return actor.get_username() if hasattr(actor, "get_username") else str(actor or "")


# --------------------------------------------------------------------------- target objects


def tagged_vms(tag: str, endpoint_id: int | None = None) -> QuerySet[VirtualMachine]:
    """Present VMs carrying ``tag`` exactly (on ``endpoint_id`` if given)."""
    qs = VirtualMachine.objects.filter(tagged(tag), absent_since__isnull=True)
    if endpoint_id is not None:
        qs = qs.filter(endpoint_id=endpoint_id)
    return qs


def target_vms(target: TargetObject) -> QuerySet[VirtualMachine]:
    """The present VMs a target object covers."""
    qs = VirtualMachine.objects.filter(absent_since__isnull=True)
    if target.kind == TargetKind.ENDPOINT:
        return qs.filter(endpoint_id=target.endpoint_id)
    if target.kind == TargetKind.CLUSTER:
        return qs.filter(cluster_id=target.cluster_id)
    if target.kind == TargetKind.TAG:
        return tagged_vms(target.tag, target.endpoint_id)
    return qs


def tags_unknown_vms(target: TargetObject) -> QuerySet[VirtualMachine]:
    """Present VMs a tag target cannot judge: their platform's tags could not be read.

    Such a VM may carry the tag; it is not covered until a sync reads its tags again
    (docs/compliance.md, "Target objects"). Empty for other kinds of target.
    """
    if target.kind != TargetKind.TAG:
        return VirtualMachine.objects.none()
    qs = VirtualMachine.objects.filter(tags_known=False, absent_since__isnull=True)
    if target.endpoint_id is not None:
        qs = qs.filter(endpoint_id=target.endpoint_id)
    return qs


def _target_rows(target: TargetObject) -> tuple[QuerySet[Finding], QuerySet[CheckResult]]:
    """The findings and check results that speak about a target's objects."""
    findings, results = Finding.objects.all(), CheckResult.objects.all()
    if target.kind == TargetKind.ENDPOINT:
        return findings.filter(endpoint_id=target.endpoint_id), results.filter(
            endpoint_id=target.endpoint_id
        )
    if target.kind == TargetKind.CLUSTER:
        return findings.filter(cluster_id=target.cluster_id), results.filter(
            endpoint_id=target.endpoint_id
        )
    if target.kind == TargetKind.TAG:
        vms = target_vms(target)
        snapshots = Snapshot.objects.filter(vm__in=vms.values("pk"))
        vm_checks = [spec.id for spec in all_checks() if spec.target in VM_TARGETS]
        return findings.filter(
            Q(object_type=ObjectType.VM, object_id__in=vms.values("pk"))
            | Q(object_type=ObjectType.SNAPSHOT, object_id__in=snapshots.values("pk"))
        ), results.filter(endpoint_id__in=vms.values("endpoint_id"), check_id__in=vm_checks)
    return findings, results


def automated_statuses(target: TargetObject) -> dict[str, RequirementState]:
    """Requirement ref -> what the checks say over the target's objects.

    An endpoint target reads its endpoint's results and findings; a cluster target the
    findings in the cluster and its endpoint's results; a tag target the findings on its VMs
    and their snapshots and only the checks that judge VMs or snapshots (a host check says
    nothing about a group of VMs and stays "not checked" there).
    """
    findings, results = _target_rows(target)
    if target.kind == TargetKind.ESTATE:
        states = requirement_statuses()
    else:
        states = requirement_statuses(findings=findings, results=results)
    return {state.requirement.ref: state for state in states}


def target_needs(target: TargetObject, targets: list[TargetObject] | None = None) -> dict[str, str]:
    """The target's protection need per goal, with what it inherits (maximum principle)."""
    if targets is None:
        targets = list(TargetObject.objects.all())
    return effective_needs(target, targets)


def target_elevated(target: TargetObject, targets: list[TargetObject] | None = None) -> bool:
    """Whether the "erhöht" requirements (level H) apply to the target."""
    return overall(target_needs(target, targets)) != ProtectionNeed.NORMAL


def _clean_needs(values: dict[str, Any], errors: dict[str, str]) -> dict[str, str]:
    needs = {}
    for goal in PROTECTION_GOALS:
        if goal not in values or values[goal] in (None, ""):
            continue
        if values[goal] not in ProtectionNeed.values:
            errors[goal] = _("Choose normal, high or very high.")
        else:
            needs[goal] = values[goal]
    return needs


@transaction.atomic
def target_create(
    *,
    kind: str,
    actor: Any,
    name: str = "",
    endpoint: Endpoint | None = None,
    cluster: Cluster | None = None,
    tag: str = "",
    needs: dict[str, Any] | None = None,
    need_justification: str = "",
    request=None,
) -> TargetObject:
    """Create a target object; errors name the field (kind, endpoint, cluster, tag, a goal)."""
    errors: dict[str, str] = {}
    tag = (tag or "").strip()
    if kind not in TargetKind.values:
        errors["kind"] = _("Choose the whole estate, an endpoint, a cluster or a tag.")
    elif kind == TargetKind.ENDPOINT and endpoint is None:
        errors["endpoint"] = _("Choose the endpoint the target object covers.")
    elif kind == TargetKind.CLUSTER and cluster is None:
        errors["cluster"] = _("Choose the cluster the target object covers.")
    elif kind == TargetKind.TAG and not tag:
        errors["tag"] = _("Give the tag whose VMs the target object covers.")
    clean = _clean_needs(needs or {}, errors)
    if errors:
        raise ValidationError(errors)
    target = TargetObject(kind=kind, **clean)
    if kind == TargetKind.ENDPOINT:
        target.endpoint = endpoint
        default_name = endpoint.name
    elif kind == TargetKind.CLUSTER:
        target.cluster, target.endpoint = cluster, cluster.endpoint
        default_name = f"{cluster.endpoint.name} › {cluster.name}"
    elif kind == TargetKind.TAG:
        target.tag, target.endpoint = tag, endpoint
        default_name = f"{endpoint.name} › tag {tag}" if endpoint else f"tag {tag}"
    else:
        default_name = _("Whole estate")
    target.name = (name or "").strip()[:255] or default_name
    target.need_justification = (need_justification or "").strip()
    target.created_by = target.updated_by = _name(actor)
    duplicate = TargetObject.objects.filter(kind=kind)
    if kind == TargetKind.ENDPOINT:
        duplicate = duplicate.filter(endpoint=endpoint)
    elif kind == TargetKind.CLUSTER:
        duplicate = duplicate.filter(cluster=cluster)
    elif kind == TargetKind.TAG:
        duplicate = duplicate.filter(tag=tag, endpoint=endpoint)
    if duplicate.exists():
        field = {TargetKind.ESTATE: "kind"}.get(kind, kind)
        raise ValidationError({field: _("This target object exists already.")})
    target.save()
    audit(
        action="compliance.target.create",
        request=request,
        actor=actor,
        target=target,
        detail={"kind": kind, "name": target.name, "tag": tag, **target.needs()},
    )
    return target


@transaction.atomic
def target_update(
    target: TargetObject,
    *,
    actor: Any,
    name: str | None = None,
    needs: dict[str, Any] | None = None,
    need_justification: str | None = None,
    request=None,
) -> TargetObject:
    """Change a target's name, protection need or its justification (audited, before/after)."""
    errors: dict[str, str] = {}
    clean = _clean_needs(needs or {}, errors)
    if name is not None and not name.strip():
        errors["name"] = _("Give the target object a name.")
    if errors:
        raise ValidationError(errors)
    target = TargetObject.objects.select_for_update().get(pk=target.pk)
    wanted: dict[str, Any] = dict(clean)
    if name is not None:
        wanted["name"] = name.strip()[:255]
    if need_justification is not None:
        wanted["need_justification"] = need_justification.strip()
    changes = {
        field: [getattr(target, field), value]
        for field, value in wanted.items()
        if getattr(target, field) != value
    }
    if not changes:
        return target
    for field, (_before, after) in changes.items():
        setattr(target, field, after)
    target.updated_by, target.updated_at = _name(actor), timezone.now()
    target.save()
    audit(
        action="compliance.target.update",
        request=request,
        actor=actor,
        target=target,
        detail={"changes": changes},
    )
    return target


# --------------------------------------------------------------------------- assessments


def assessment_of(requirement: Requirement, target: TargetObject) -> Assessment | None:
    """The officer's current assessment of ``requirement`` for ``target``, or None."""
    return Assessment.objects.filter(requirement=requirement, target=target).first()


def assessable(requirement: Requirement) -> bool:
    """Only SYS.1.5 requirements in force are assessed in the Grundschutz-Check."""
    return requirement.catalog == Catalog.SYS15 and not requirement.withdrawn


def _date(value: Any, field: str, errors: dict[str, str]) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = _("Give a date as YYYY-MM-DD.")
        return None


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


@transaction.atomic
def assessment_save(
    *,
    requirement: Requirement,
    target: TargetObject,
    status: str,
    actor: Any,
    justification: str = "",
    responsible: str = "",
    due_date: Any = None,
    last_review: Any = None,
    next_review: Any = None,
    request=None,
) -> Assessment:
    """Record (or change) the assessment of a requirement for a target.

    Validates everything before writing (errors name the field); a justification is required
    for "entbehrlich" and "nein"; the next review cannot lie before the last one. Appends a
    version with the diff and writes one audit event with before and after. Saving what is
    already recorded changes nothing and writes nothing.
    """
    errors: dict[str, str] = {}
    justification = (justification or "").strip()
    if not assessable(requirement):
        errors["requirement"] = _(
            "Only SYS.1.5 requirements in force are assessed; %(ref)s is not one."
        ) % {"ref": requirement.ref}
    if status not in Implementation.values:
        errors["status"] = _("Choose ja, teilweise, nein or entbehrlich.")
    elif status in (Implementation.ENTBEHRLICH, Implementation.NEIN) and not justification:
        errors["justification"] = _(
            "A justification is required when the status is %(status)s."
        ) % {"status": status}
    values = {
        "status": status,
        "justification": justification,
        "responsible": (responsible or "").strip()[:150],
        "due_date": _date(due_date, "due_date", errors),
        "last_review": _date(last_review, "last_review", errors),
        "next_review": _date(next_review, "next_review", errors),
    }
    if (
        values["last_review"]
        and values["next_review"]
        and values["next_review"] < values["last_review"]
    ):
        errors["next_review"] = _("The next review cannot be before the last review.")
    if errors:
        raise ValidationError(errors)
    who, now = _name(actor), timezone.now()
    current = (
        Assessment.objects.select_for_update()
        .filter(requirement=requirement, target=target)
        .first()
    )
    if current is None:
        changes = {f: [None, _plain(values[f])] for f in ASSESSMENT_FIELDS if values[f]}
        current = Assessment(requirement=requirement, target=target, version=1)
        action = "compliance.assessment.create"
    else:
        changes = {
            f: [_plain(getattr(current, f)), _plain(values[f])]
            for f in ASSESSMENT_FIELDS
            if getattr(current, f) != values[f]
        }
        if not changes:
            return current
        current.version += 1
        action = "compliance.assessment.update"
    for field in ASSESSMENT_FIELDS:
        setattr(current, field, values[field])
    current.updated_by, current.updated_at = who, now
    current.save()
    AssessmentVersion.objects.create(
        assessment=current,
        version=current.version,
        changes=changes,
        changed_by=who,
        changed_at=now,
        **values,
    )
    audit(
        action=action,
        request=request,
        actor=actor,
        target=current,
        detail={
            "requirement": requirement.ref,
            "target": target.name,
            "target_id": target.pk,
            "version": current.version,
            "changes": changes,
        },
    )
    return current


# --------------------------------------------------------------------------- effective status


@dataclass
class Effective:
    """What the portal states for one requirement and one target, and why."""

    status: str  # EffectiveStatus
    reason: str
    automated: str  # RequirementStatus of the checks over the target
    manual: str  # Implementation, "" when nothing is documented
    review_due: bool = False

    @property
    def counted(self) -> bool:
        return self.status not in NOT_COUNTED


def effective_status(
    state: RequirementState,
    assessment: Assessment | None,
    *,
    elevated: bool,
    today: dt.date | None = None,
) -> Effective:
    """Documented and tested: the rules in this module's docstring, in order."""
    req, automated = state.requirement, state.status
    manual = assessment.status if assessment is not None else ""
    due = assessment is not None and assessment.review_due(today)

    def said(status: str, reason: str) -> Effective:
        return Effective(status, reason, automated, manual, due)

    if req.withdrawn:
        return said(EffectiveStatus.WITHDRAWN, _("Withdrawn by the BSI (ENTFALLEN)."))
    if req.level == Level.HIGH and not elevated:
        return said(
            EffectiveStatus.NOT_APPLICABLE,
            _("Applies only above normal protection need; this target's need is normal."),
        )
    if automated in (RequirementStatus.NOT_FULFILLED, RequirementStatus.PARTLY):
        failing = ", ".join(c.check_id for c in state.checks if c.state in ("some", "all"))
        worst = automated == RequirementStatus.NOT_FULFILLED or manual == Implementation.NEIN
        status = EffectiveStatus.NOT_FULFILLED if worst else EffectiveStatus.PARTLY
        if manual in (Implementation.JA, Implementation.ENTBEHRLICH):
            reason = _("Documented as %(manual)s, but checks find deviations: %(checks)s.")
        else:
            reason = _("Checks find deviations: %(checks)s.")
        return said(status, reason % {"manual": manual, "checks": failing})
    if manual == Implementation.NEIN:
        return said(EffectiveStatus.NOT_FULFILLED, _("Documented as not implemented."))
    if manual == Implementation.TEILWEISE:
        return said(EffectiveStatus.PARTLY, _("Documented as partly implemented."))
    if due:
        return said(
            EffectiveStatus.REVIEW_DUE,
            _("Documented as %(manual)s; the review was due on %(date)s.")
            % {"manual": manual, "date": assessment.next_review.isoformat()},
        )
    if automated == RequirementStatus.RISK_ACCEPTED:
        return said(
            EffectiveStatus.RISK_ACCEPTED, _("Deviations remain, each under an approved waiver.")
        )
    if manual == Implementation.ENTBEHRLICH:
        return said(EffectiveStatus.DISPENSABLE, assessment.justification)
    off = [c.check_id for c in state.checks if c.state == "off"]
    if manual == Implementation.JA:
        if off:
            return said(
                EffectiveStatus.NOT_CHECKED,
                _("Documented as implemented, but not tested while switched off: %(checks)s.")
                % {"checks": ", ".join(off)},
            )
        return said(EffectiveStatus.FULFILLED, _("Documented as implemented; no check deviates."))
    if automated == RequirementStatus.FULFILLED:
        reason = _("Checks pass, but nobody has assessed the requirement yet.")
    else:
        reason = _("Not assessed.")
    return said(EffectiveStatus.NOT_CHECKED, reason)


@dataclass
class CheckRow:
    """One requirement of a target's Grundschutz-Check: automated, documented and effective."""

    requirement: Requirement
    automated: RequirementState
    assessment: Assessment | None
    effective: Effective


def grundschutz_check(
    target: TargetObject,
    *,
    today: dt.date | None = None,
    targets: list[TargetObject] | None = None,
) -> list[CheckRow]:
    """Every SYS.1.5 requirement (withdrawn ones listed) for ``target``, in catalog order.

    A fixed number of queries whatever the number of requirements and objects.
    """
    elevated = target_elevated(target, targets)
    automated = automated_statuses(target)
    assessments = {a.requirement_id: a for a in Assessment.objects.filter(target=target)}
    rows = []
    for state in automated.values():
        req = state.requirement
        if req.catalog != Catalog.SYS15:
            continue
        assessment = assessments.get(req.pk)
        effective = effective_status(state, assessment, elevated=elevated, today=today)
        rows.append(CheckRow(req, state, assessment, effective))
    return rows


def requirement_across_targets(
    requirement: Requirement,
    targets: list[TargetObject],
    *,
    today: dt.date | None = None,
) -> list[tuple[TargetObject, CheckRow]]:
    """One requirement for each of ``targets`` (the requirement page's side-by-side table)."""
    everyone = list(TargetObject.objects.all())
    assessments = {
        a.target_id: a
        for a in Assessment.objects.filter(requirement=requirement, target__in=targets)
    }
    rows = []
    for target in targets:
        state = automated_statuses(target)[requirement.ref]
        assessment = assessments.get(target.pk)
        effective = effective_status(
            state, assessment, elevated=target_elevated(target, everyone), today=today
        )
        rows.append((target, CheckRow(requirement, state, assessment, effective)))
    return rows


def summary(rows: list[CheckRow]) -> dict[str, int]:
    """Counts of effective statuses; not applicable and withdrawn requirements are not counted."""
    return dict(Counter(row.effective.status for row in rows if row.effective.counted))
