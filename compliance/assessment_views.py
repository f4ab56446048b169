"""Grundschutz-Check pages: target objects with their Schutzbedarf, the check per target, and
the assessment of one requirement for one target with its history.

Everyone reads (auditors and administrators see what was decided and why); security officers
create targets, set protection needs and assess. Object scopes narrow targets like every list.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from inventory.models import Cluster
from portal.pages import role_required, service_call
from portal.roles import ROLES, SECURITY_OFFICER, role_of
from portal.security.scopes import is_scoped, scoped

from .choices import STATUS_SYMBOLS, EffectiveStatus, TargetKind
from .forms import AssessmentForm, NeedForm, TargetForm
from .models import ASSESSMENT_FIELDS, PROTECTION_GOALS, Assessment, Requirement, TargetObject
from .protection import effective_needs, overall
from .scoping import visible_endpoints
from .services.assessments import (
    assessable,
    assessment_save,
    grundschutz_check,
    summary,
    tags_unknown_vms,
    target_create,
    target_update,
    target_vms,
)

GOALS = PROTECTION_GOALS
COVERED_SHOWN = 50  # VMs a tag target's page names; the count says how many there are


def visible_targets(user) -> list[TargetObject]:
    return list(scoped(user, TargetObject.objects.select_related("endpoint", "cluster")))


def _need_changes(request: HttpRequest, data: dict) -> dict:
    """The protection need, its reason and who sets it, from a valid target or need form."""
    return {
        "needs": {g: data[g] for g in GOALS},
        "need_justification": data["need_justification"],
        "actor": request.user,
        "request": request,
    }


def _target_form(request: HttpRequest, data=None) -> TargetForm:
    return TargetForm(
        data,
        endpoints=visible_endpoints(request.user),
        clusters=scoped(request.user, Cluster.objects.select_related("endpoint")),
    )


def _list_page(request: HttpRequest, form: TargetForm, status: int = 200) -> HttpResponse:
    targets = visible_targets(request.user)
    everyone = list(TargetObject.objects.all())
    for target in targets:
        target.inherited_needs = effective_needs(target, everyone)
        target.inherited_need = overall(target.inherited_needs)
    return render(
        request,
        "compliance/target_list.html",
        {
            "targets": targets,
            "form": form,
            "can_edit": role_of(request.user) == SECURITY_OFFICER,
            "goals": GOALS,
        },
        status=status,
    )


@require_safe
@role_required(*ROLES)
def target_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request, _target_form(request))


@require_POST
@role_required(SECURITY_OFFICER)
def target_new(request: HttpRequest) -> HttpResponse:
    form = _target_form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if is_scoped(request.user) and data["endpoint"] is None and data["cluster"] is None:
            form.add_error(
                "endpoint",
                _("You are limited to some endpoints or clusters: choose one of them."),
            )
        else:
            target = service_call(
                request,
                form,
                lambda: target_create(
                    kind=data["kind"],
                    name=data["name"],
                    endpoint=data["endpoint"],
                    cluster=data["cluster"],
                    tag=data["tag"],
                    **_need_changes(request, data),
                ),
                lambda target: _("Target object %(name)s created.") % {"name": target.name},
            )
            if target is not None:
                return redirect("compliance:target-detail", pk=target.pk)
    return _list_page(request, form, status=400)


def _visible_target(request: HttpRequest, pk: int) -> TargetObject:
    return get_object_or_404(
        scoped(request.user, TargetObject.objects.select_related("endpoint", "cluster")), pk=pk
    )


def _detail_page(
    request: HttpRequest, target: TargetObject, form: NeedForm | None = None, status: int = 200
) -> HttpResponse:
    everyone = list(TargetObject.objects.all())
    rows = grundschutz_check(target, targets=everyone)
    covered = None
    if target.kind == TargetKind.TAG:
        vms = scoped(request.user, target_vms(target))
        covered = {
            "vms": list(vms.select_related("endpoint").order_by("name", "pk")[:COVERED_SHOWN]),
            "count": vms.count(),
            "unknown": scoped(request.user, tags_unknown_vms(target)).count(),
        }
    needs = effective_needs(target, everyone)
    if form is None:
        form = NeedForm(
            initial={"name": target.name, "need_justification": target.need_justification}
            | target.needs()
        )
    return render(
        request,
        "compliance/target_detail.html",
        {
            "target": target,
            "rows": rows,
            "summary": [
                (EffectiveStatus(status).label, n) for status, n in sorted(summary(rows).items())
            ],
            "needs": needs,
            "need": overall(needs),
            "form": form,
            "can_edit": role_of(request.user) == SECURITY_OFFICER,
            "symbols": STATUS_SYMBOLS,
            "goals": GOALS,
            "covered": covered,
        },
        status=status,
    )


@require_safe
@role_required(*ROLES)
def target_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail_page(request, _visible_target(request, pk))


@require_POST
@role_required(SECURITY_OFFICER)
def target_need(request: HttpRequest, pk: int) -> HttpResponse:
    target = _visible_target(request, pk)
    form = NeedForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if service_call(
            request,
            form,
            lambda: target_update(target, name=data["name"], **_need_changes(request, data)),
            lambda _target: _("Protection need saved."),
        ):
            return redirect("compliance:target-detail", pk=target.pk)
    return _detail_page(request, target, form, status=400)


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def assessment_edit(request: HttpRequest, pk: int, ref: str) -> HttpResponse:
    """One requirement for one target: automated, documented and effective status, the form
    (officers) and every earlier version. Auditors and administrators read it."""
    target = _visible_target(request, pk)
    requirement = Requirement.objects.filter(ref=ref).prefetch_related("sentences").first()
    if requirement is None or not assessable(requirement):
        raise Http404
    can_edit = role_of(request.user) == SECURITY_OFFICER
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    assessment = (
        Assessment.objects.filter(requirement=requirement, target=target)
        .prefetch_related("versions")
        .first()
    )
    status = 200
    if request.method == "POST":
        form = AssessmentForm(request.POST)
        if form.is_valid() and service_call(
            request,
            form,
            lambda: assessment_save(
                requirement=requirement,
                target=target,
                actor=request.user,
                request=request,
                **form.cleaned_data,
            ),
            lambda _assessment: (
                _("Assessment of %(ref)s for %(target)s saved.")
                % {"ref": requirement.ref, "target": target.name}
            ),
        ):
            return redirect("compliance:target-detail", pk=target.pk)
        status = 400
    else:
        initial = {f: getattr(assessment, f) for f in ASSESSMENT_FIELDS} if assessment else {}
        form = AssessmentForm(initial=initial)
    row = next(r for r in grundschutz_check(target) if r.requirement.pk == requirement.pk)
    return render(
        request,
        "compliance/assessment_edit.html",
        {
            "target": target,
            "requirement": requirement,
            "row": row,
            "assessment": assessment,
            "form": form,
            "can_edit": can_edit,
        },
        status=status,
    )
