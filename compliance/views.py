"""Compliance pages: dashboard, requirement drill-down, findings, checks, waivers, baselines, runs."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from inventory.models import Endpoint
from inventory.views.samples import chosen_range, range_start
from portal.audit import audit
from portal.pages import paginate, query_without, render_form, render_live_list, role_required
from portal.roles import ADMINISTRATOR, ROLES, SECURITY_OFFICER, role_of
from portal.security.scopes import is_scoped, scoped

from .charts import trend
from .checks import all_checks, get_check
from .choices import Catalog, ObjectType
from .evidence_text import evidence_rows, parameter_texts
from .filtersets import FindingFilter, check_ids_for
from .forms import BaselineApproveForm, WaiverForm, WaiverRevokeForm, parameters_form
from .models import Baseline, CheckRun, CheckSetting, Finding, Requirement, TargetObject, Waiver
from .scoping import (
    endpoint_from,
    statuses_for,
    trend_source,
    visible_endpoints,
    visible_findings,
    visible_runs,
)
from .services import (
    GLOBAL_ONLY,
    baseline_approve,
    baselines_approve_many,
    check_parameters_update,
    check_run_create,
    config_diff,
    may_change_checks,
    waiver_approve,
    waiver_create,
    waiver_revoke,
)
from .services.assessments import assessable, requirement_across_targets
from .services.baselines import current_config, current_object, flat_config
from .services.evidence import object_history
from .services.status import contributions
from .tables import FINDINGS, FINDINGS_SELECTABLE
from .tasks import queue_check_run

ALL = ROLES


def _endpoint_param(request: HttpRequest) -> Endpoint | None:
    """The ``endpoint`` query parameter, if the user may see that endpoint (else all)."""
    return endpoint_from(request.user, request.GET.get("endpoint"))


def _worst(findings, object_type: str, limit: int = 10):
    """The objects with the most unwaived open findings among ``findings`` (already scoped)."""
    now = timezone.now()
    active = Waiver.active_q("waiver__", now)
    return list(
        findings.open()
        .filter(object_type=object_type)
        .exclude(active)
        .values("object_id", "object_name", "endpoint__name")
        .annotate(
            total=Count("id"),
            failing=Count("id", filter=Q(status="fail")),
            high=Count("id", filter=Q(severity="high")),
        )
        .order_by("-high", "-failing", "-total", "object_name")[:limit]
    )


@require_safe
@role_required(*ALL)
def dashboard(request: HttpRequest) -> HttpResponse:
    endpoint = _endpoint_param(request)
    states = statuses_for(request.user, endpoint)
    findings = visible_findings(request.user)
    if endpoint:
        findings = findings.filter(endpoint=endpoint)
    trend_runs, trend_endpoint = trend_source(request.user, endpoint)
    # ?range=hour|day|week|month, as under the inventory's charts (a month by default).
    span, ranges = chosen_range(request)
    trend_runs = trend_runs.filter(finished_at__gte=range_start(span))
    runs = list(trend_runs.order_by("-finished_at")[:30])[::-1]
    return render(
        request,
        "compliance/dashboard.html",
        {
            "m4349": [s for s in states if s.requirement.catalog == Catalog.M4349],
            "sys15": [s for s in states if s.requirement.catalog == Catalog.SYS15],
            "chart": trend(runs, endpoint_id=trend_endpoint),
            **ranges,
            "worst_hosts": _worst(findings, ObjectType.HOST),
            "worst_vms": _worst(findings, ObjectType.VM),
            "endpoints": visible_endpoints(request.user),
            "endpoint": endpoint,
            "last_run": visible_runs(request.user).first(),
            "can_run": role_of(request.user) in (ADMINISTRATOR, SECURITY_OFFICER),
        },
    )


@require_safe
@role_required(*ALL)
def requirement_detail(request: HttpRequest, ref: str) -> HttpResponse:
    endpoint = _endpoint_param(request)
    state = next(
        (s for s in statuses_for(request.user, endpoint) if s.requirement.ref == ref),
        None,
    )
    if state is None:
        raise Http404
    findings = (
        visible_findings(request.user)
        .open()
        .filter(check_id__in=check_ids_for(ref))
        .select_related("endpoint", "waiver")
    )
    if endpoint:
        findings = findings.filter(endpoint=endpoint)
    per_target = []
    if assessable(state.requirement):
        targets = scoped(request.user, TargetObject.objects.select_related("endpoint", "cluster"))
        per_target = requirement_across_targets(state.requirement, list(targets))
    return render(
        request,
        "compliance/requirement_detail.html",
        {
            "state": state,
            "per_target": per_target,
            "endpoint": endpoint,
            "finding_table": FINDINGS,
            "page": paginate(request, findings.order_by("check_id", "object_name")),
            "base_query": query_without(request, "page"),
            "mapped": contributions().get(state.requirement.ref, [])
            if state.requirement.catalog == Catalog.M4349
            else [],
        },
    )


@require_safe
@role_required(*ALL)
def finding_list(request: HttpRequest) -> HttpResponse:
    qs = scoped(request.user, Finding.objects.select_related("endpoint", "waiver"))
    params = request.GET.copy()
    params.setdefault("status", "open")
    filtered = FindingFilter(params, queryset=qs)
    can_waive = role_of(request.user) == SECURITY_OFFICER
    return render(
        request,
        "compliance/finding_list.html",
        {
            "filter": filtered,
            # Security officers select findings to request waivers for (compliance/bulk.py).
            "finding_table": FINDINGS_SELECTABLE if can_waive else FINDINGS,
            "can_waive": can_waive,
            "page": paginate(request, filtered.qs.order_by("-last_seen", "-id")),
            "base_query": query_without(request, "page"),
            "checks": all_checks(),
            "endpoints": visible_endpoints(request.user),
        },
    )


@require_safe
@role_required(*ALL)
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(
        scoped(request.user, Finding.objects.select_related("endpoint", "waiver")), pk=pk
    )
    history = Finding.objects.filter(
        check_id=finding.check_id, object_type=finding.object_type, object_id=finding.object_id
    ).exclude(pk=pk)[:20]
    runs = object_history(
        check_id=finding.check_id,
        endpoint_id=finding.endpoint_id,
        object_id=finding.object_id,
        limit=30,
    )
    spec = get_check(finding.check_id)
    return render(
        request,
        "compliance/finding_detail.html",
        {
            "finding": finding,
            "spec": spec,
            "evidence": evidence_rows(spec, finding.evidence or {}),
            "history": history,
            "runs": runs,
            "waiver_form": WaiverForm(initial={"scope": "object"}),
            "can_waive": role_of(request.user) == SECURITY_OFFICER,
        },
    )


@require_safe
@role_required(*ALL)
def check_list(request: HttpRequest) -> HttpResponse:
    settings = {s.check_id: s for s in CheckSetting.objects.all()}
    rows = [
        (
            spec,
            settings.get(spec.id),
            parameter_texts(
                spec, spec.effective(settings[spec.id].parameters if spec.id in settings else None)
            ),
        )
        for spec in all_checks()
    ]
    return render(
        request,
        "compliance/check_list.html",
        {"rows": rows, "can_edit": may_change_checks(request.user)},
    )


@role_required(SECURITY_OFFICER)
def check_edit(request: HttpRequest, check_id: str) -> HttpResponse:
    spec = get_check(check_id)
    if spec is None:
        raise Http404
    if not may_change_checks(request.user):
        # A scoped officer: the check is global, so the form is not offered at all.
        return render(
            request,
            "compliance/check_edit.html",
            {"spec": spec, "refused": GLOBAL_ONLY},
            status=403,
        )
    setting = CheckSetting.objects.filter(check_id=check_id).first()
    current = spec.effective(setting.parameters if setting else None)
    form = parameters_form(spec, current, data=request.POST if request.method == "POST" else None)
    form.fields["enabled"].initial = setting.enabled if setting else True
    if request.method == "POST" and form.is_valid():
        values = {p.name: form.cleaned_data[p.name] for p in spec.params}
        try:
            check_parameters_update(
                check_id=check_id,
                values=values,
                enabled=form.cleaned_data["enabled"],
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(
                request,
                _("Parameters of %(check)s saved; they apply from the next run.")
                % {"check": check_id},
            )
            return redirect("compliance:check-list")
    return render_form(request, "compliance/check_edit.html", {"spec": spec, "form": form})


@require_safe
@role_required(*ALL)
def waiver_list(request: HttpRequest) -> HttpResponse:
    qs = scoped(request.user, Waiver.objects.select_related("endpoint", "cluster"))
    return render(
        request,
        "compliance/waiver_list.html",
        {
            "page": paginate(request, qs),
            "base_query": query_without(request, "page"),
            "can_edit": role_of(request.user) == SECURITY_OFFICER,
        },
    )


@require_POST
@role_required(SECURITY_OFFICER)
def waiver_new(request: HttpRequest, finding_id: int) -> HttpResponse:
    """Waive the finding's check for the finding's object, cluster or endpoint."""
    finding = get_object_or_404(
        scoped(request.user, Finding.objects.select_related("endpoint", "cluster")), pk=finding_id
    )
    form = WaiverForm(request.POST)
    if form.is_valid():
        scope = form.cleaned_data["scope"]
        try:
            waiver_create(
                check_id=finding.check_id,
                scope=scope,
                reason=form.cleaned_data["reason"],
                expires_at=form.cleaned_data["expires_at"],
                endpoint=finding.endpoint,
                cluster=finding.cluster,
                finding=finding,
                actor=request.user,
                request=request,
            )
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
        else:
            messages.success(
                request, _("Waiver requested; it holds once another security officer approves it.")
            )
            return redirect("compliance:finding-detail", pk=finding.pk)
    else:
        messages.error(request, "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return redirect("compliance:finding-detail", pk=finding.pk)


@require_POST
@role_required(SECURITY_OFFICER)
def waiver_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        waiver = get_object_or_404(scoped(request.user, Waiver.objects.all()), pk=pk)
        waiver_approve(waiver=waiver, actor=request.user, request=request)
        messages.success(request, _("Waiver approved; it is in force."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("compliance:waiver-list")


@require_http_methods(["GET", "POST"])
@role_required(SECURITY_OFFICER)
def waiver_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page that asks for the reason, then the revocation (audited)."""
    waiver = get_object_or_404(
        scoped(request.user, Waiver.objects.select_related("endpoint", "cluster")), pk=pk
    )
    form = WaiverRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            waiver_revoke(
                waiver=waiver,
                actor=request.user,
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Waiver revoked."))
            return redirect("compliance:waiver-list")
    return render_form(request, "compliance/waiver_revoke.html", {"waiver": waiver, "form": form})


@require_safe
@role_required(*ALL)
def baseline_list(request: HttpRequest) -> HttpResponse:
    drift = (
        visible_findings(request.user)
        .open()
        .filter(check_id__in=("INT-001", "INT-002"))
        .select_related("endpoint", "waiver")
    )
    return render(
        request,
        "compliance/baseline_list.html",
        {
            "page": paginate(request, drift.order_by("-status", "object_name")),
            "base_query": query_without(request, "page"),
            "recent": scoped(request.user, Baseline.objects.all())[:20],
            "can_approve": role_of(request.user) == SECURITY_OFFICER,
        },
    )


@require_POST
@role_required(SECURITY_OFFICER)
def baselines_approve_view(request: HttpRequest) -> HttpResponse:
    """Approve the current configuration of the hosts and VMs ticked on the baseline list."""
    wanted: list[tuple[str, int]] = []
    for value in request.POST.getlist("objects"):
        object_type, _sep, object_id = value.partition(":")
        if object_type not in (ObjectType.HOST, ObjectType.VM) or not object_id.isdigit():
            messages.error(request, _("objects: %(value)s is not a host or VM.") % {"value": value})
            return redirect("compliance:baseline-list")
        wanted.append((object_type, int(object_id)))
    for object_type, object_id in wanted:
        try:
            obj = current_object(object_type, object_id)
        except ValidationError:
            raise Http404 from None
        if not scoped(request.user, type(obj).objects.filter(pk=obj.pk)).exists():
            raise Http404  # outside the scope an object does not exist
    try:
        approved = baselines_approve_many(
            objects=wanted,
            actor=request.user,
            comment=request.POST.get("comment", "")[:500],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request,
            _("%(count)d baselines approved; the next run checks against them.")
            % {"count": len(approved)},
        )
    return redirect("compliance:baseline-list")


@role_required(*ALL)
def baseline_detail(request: HttpRequest, object_type: str, object_id: int) -> HttpResponse:
    try:
        obj = current_object(object_type, object_id)
    except ValidationError:
        raise Http404 from None
    if not scoped(request.user, type(obj).objects.filter(pk=obj.pk)).exists():
        raise Http404
    baseline = Baseline.objects.filter(
        object_type=object_type, object_id=object_id, superseded_at__isnull=True
    ).first()
    config = current_config(obj)
    # Four eyes: administrators change configurations; security officers approve them.
    can_approve = role_of(request.user) == SECURITY_OFFICER
    if request.method == "POST":
        if not can_approve:
            audit(action="compliance.baseline.approve", request=request, result="denied")
            return HttpResponse(status=403)
        form = BaselineApproveForm(request.POST)
        if form.is_valid():
            try:
                baseline_approve(
                    object_type=object_type,
                    object_id=object_id,
                    actor=request.user,
                    comment=form.cleaned_data["comment"],
                    request=request,
                )
                messages.success(
                    request,
                    _("Baseline of %(object)s approved; the next run checks against it.")
                    % {"object": obj},
                )
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
            return redirect(
                "compliance:baseline-detail", object_type=object_type, object_id=object_id
            )
    return render(
        request,
        "compliance/baseline_detail.html",
        {
            "obj": obj,
            "object_type": object_type,
            "baseline": baseline,
            "changes": config_diff(baseline.config, config) if baseline else [],
            "config_rows": flat_config(config),
            "matches": baseline is not None and baseline.config_hash == obj.config_hash,
            "history": Baseline.objects.filter(object_type=object_type, object_id=object_id)[:20],
            "can_approve": can_approve,
            "form": BaselineApproveForm(),
        },
    )


@role_required(*ALL)
def run_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if role_of(request.user) not in (ADMINISTRATOR, SECURITY_OFFICER):
            audit(action="compliance.run.request", request=request, result="denied")
            return HttpResponse(status=403)
        endpoint = endpoint_from(request.user, request.POST.get("endpoint"))
        if endpoint is None and request.POST.get("endpoint"):
            raise Http404  # outside the scope an endpoint does not exist
        if endpoint is None and is_scoped(request.user):
            messages.error(request, _("Choose one of your endpoints to run the checks on."))
            return redirect("compliance:run-list")
        run = check_run_create(endpoint=endpoint, trigger=CheckRun.Trigger.WEB, actor=request.user)
        audit(action="compliance.run.request", request=request, target=run)
        queue_check_run(run)
        messages.success(request, _("Check run #%(id)s queued.") % {"id": run.pk})
        return redirect("compliance:run-list")
    page = paginate(request, visible_runs(request.user).select_related("endpoint"))
    # While a run on the page is queued or running, the rows poll ?fragment=rows (live.js).
    live = any(r.active for r in page)
    context = {
        "page": page,
        "live": live,
        "base_query": query_without(request, "page", "fragment"),
        "endpoints": visible_endpoints(request.user),
        "can_run": role_of(request.user) in (ADMINISTRATOR, SECURITY_OFFICER),
    }
    return render_live_list(
        request, "compliance/run_list.html", "compliance/_run_rows.html", context
    )


@require_safe
@role_required(*ALL)
def requirement_list(request: HttpRequest) -> HttpResponse:
    mapped = contributions()
    return render(
        request,
        "compliance/requirement_list.html",
        {"requirements": [(r, mapped.get(r.ref, [])) for r in Requirement.objects.all()]},
    )
