"""Downloads: findings as CSV or JSON, the check report as PDF (de/en), OSCAL assessment results."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from portal.audit import audit
from portal.pages import role_required
from portal.roles import ROLES
from portal.security.scopes import scoped

from .api.filters import FindingFilter
from .models import Waiver
from .reports.content import rows
from .reports.oscal import assessment_results
from .reports.pdf import compliance_pdf
from .reports.poam import plan_of_action
from .reports.tabular import findings_csv, findings_json
from .reports.verinice import verinice_csv
from .scoping import statuses_for, visible_findings
from .views import _endpoint_param


def _download(request: HttpRequest, body, content_type: str, name: str, kind: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    audit(
        action="compliance.report.export",
        request=request,
        detail={"format": kind, "query": request.GET.urlencode()},
    )
    return response


def _findings(request: HttpRequest):
    params = request.GET.copy()
    params.setdefault("status", "open")
    return FindingFilter(
        params, queryset=visible_findings(request.user).select_related("endpoint", "waiver")
    ).qs.order_by("check_id", "object_name")


def _open_findings(request: HttpRequest, endpoint):
    findings = visible_findings(request.user).open().select_related("endpoint", "waiver")
    return findings.filter(endpoint=endpoint) if endpoint else findings


def _stamp() -> str:
    return timezone.now().strftime("%Y%m%d-%H%M")


@require_safe
@role_required(*ROLES)
def findings_csv_view(request: HttpRequest) -> HttpResponse:
    return _download(
        request,
        findings_csv(_findings(request)),
        "text/csv; charset=utf-8",
        f"findings-{_stamp()}.csv",
        "csv",
    )


@require_safe
@role_required(*ROLES)
def findings_json_view(request: HttpRequest) -> HttpResponse:
    return _download(
        request,
        findings_json(_findings(request)),
        "application/json",
        f"findings-{_stamp()}.json",
        "json",
    )


def _active_waivers(request: HttpRequest, endpoint):
    waivers = scoped(request.user, Waiver.objects.filter(Waiver.active_q())).order_by(
        "check_id", "object_name", "pk"
    )
    return waivers.filter(endpoint=endpoint) if endpoint else waivers


def _target(endpoint) -> tuple[str, str]:
    """The target object (Zielobjekt) a report is about: its stable key and its name."""
    if endpoint is None:
        return "estate", ""
    return f"endpoint-{endpoint.pk}", endpoint.name


@require_safe
@role_required(*ROLES)
def report_pdf_view(request: HttpRequest) -> HttpResponse:
    endpoint = _endpoint_param(request)
    language = (
        "de"
        if request.GET.get("lang", getattr(request, "LANGUAGE_CODE", "en")).startswith("de")
        else "en"
    )
    findings = _open_findings(request, endpoint).order_by("object_path", "check_id")
    pdf = compliance_pdf(
        rows(statuses_for(request.user, endpoint)),
        list(findings),
        list(_active_waivers(request, endpoint)),
        language=language,
        scope=endpoint.name if endpoint else "",
        target=_target(endpoint)[1],
    )
    return _download(
        request, pdf, "application/pdf", f"grundschutz-check-{language}-{_stamp()}.pdf", "pdf"
    )


@require_safe
@role_required(*ROLES)
def verinice_view(request: HttpRequest) -> HttpResponse:
    endpoint = _endpoint_param(request)
    key, name = _target(endpoint)
    body = verinice_csv(
        rows(statuses_for(request.user, endpoint)),
        target_key=key,
        target_name=name or "Informationsverbund",
    )
    return _download(
        request, body, "text/csv; charset=utf-8", f"verinice-{key}-{_stamp()}.csv", "verinice"
    )


@require_safe
@role_required(*ROLES)
def poam_view(request: HttpRequest) -> HttpResponse:
    endpoint = _endpoint_param(request)
    states = statuses_for(request.user, endpoint)
    requirements_of: dict[str, list[str]] = {}
    for state in states:
        for check in state.checks:
            requirements_of.setdefault(check.check_id, []).append(state.requirement.ref)
    document = plan_of_action(
        list(_open_findings(request, endpoint).order_by("pk")),
        requirements_of,
        title=f"VirtSec Portal plan of action {endpoint.name if endpoint else 'all endpoints'}",
    )
    return _download(
        request,
        json.dumps(document, indent=2, ensure_ascii=False),
        "application/json",
        f"oscal-poam-{_stamp()}.json",
        "oscal-poam",
    )


@require_safe
@role_required(*ROLES)
def oscal_view(request: HttpRequest) -> HttpResponse:
    endpoint = _endpoint_param(request)
    document = assessment_results(
        statuses_for(request.user, endpoint),
        list(_open_findings(request, endpoint)),
        title=f"VirtSec Portal assessment {endpoint.name if endpoint else 'all endpoints'}",
    )
    return _download(
        request,
        json.dumps(document, indent=2, ensure_ascii=False),
        "application/json",
        f"oscal-assessment-results-{_stamp()}.json",
        "oscal",
    )
