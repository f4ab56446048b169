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

from .filtersets import FindingFilter
from .models import Waiver
from .reports.oscal import assessment_results
from .reports.pdf import compliance_pdf
from .reports.tabular import findings_csv, findings_json
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


@require_safe
@role_required(*ROLES)
def report_pdf_view(request: HttpRequest) -> HttpResponse:
    endpoint = _endpoint_param(request)
    language = (
        "de"
        if request.GET.get("lang", getattr(request, "LANGUAGE_CODE", "en")).startswith("de")
        else "en"
    )
    findings = _open_findings(request, endpoint)
    waivers = scoped(
        request.user, Waiver.objects.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
    )
    if endpoint:
        waivers = waivers.filter(endpoint=endpoint)
    pdf = compliance_pdf(
        statuses_for(request.user, endpoint),
        list(findings),
        list(waivers),
        language=language,
        scope=endpoint.name if endpoint else "",
    )
    return _download(
        request, pdf, "application/pdf", f"grundschutz-check-{language}-{_stamp()}.pdf", "pdf"
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
