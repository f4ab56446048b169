"""Downloads: findings as CSV or JSON, the check report as PDF (de/en), OSCAL assessment results."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import wraps

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.audit import audit
from portal.pages import role_required
from portal.roles import ROLES
from portal.security.scopes import scoped

from .filtersets import FindingFilter
from .models import Finding, TargetObject, Waiver
from .reports.content import Row, automated_rows, target_findings, target_rows
from .reports.oscal import assessment_results
from .reports.pdf import compliance_pdf
from .reports.poam import plan_of_action
from .reports.tabular import findings_csv, findings_json
from .reports.verinice import verinice_csv
from .scoping import statuses_for, visible_findings
from .views import _endpoint_param

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "pdf": "application/pdf",
}


def _download(request: HttpRequest, body, *, name: str, ext: str, kind: str) -> HttpResponse:
    """``body`` as the file ``{name}-{time}.{ext}`` (a dict as indented JSON), the export
    audited as ``kind``."""
    if isinstance(body, dict):
        body = json.dumps(body, indent=2, ensure_ascii=False)
    response = HttpResponse(body, content_type=CONTENT_TYPES[ext])
    response["Content-Disposition"] = f'attachment; filename="{name}-{_stamp()}.{ext}"'
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
        request, findings_csv(_findings(request)), name="findings", ext="csv", kind="csv"
    )


@require_safe
@role_required(*ROLES)
def findings_json_view(request: HttpRequest) -> HttpResponse:
    body = findings_json(_findings(request))
    return _download(request, body, name="findings", ext="json", kind="json")


@dataclass
class Subject:
    """What a report is about: a target object (Zielobjekt) or, without one, an endpoint or all."""

    key: str  # stable, for external ids
    name: str
    rows: list[Row]
    findings: QuerySet[Finding]
    target: TargetObject | None = None

    def waivers(self) -> list[Waiver]:
        """The approved waivers behind the open findings the report lists."""
        ids = self.findings.exclude(waiver__isnull=True).values("waiver_id")
        return list(Waiver.objects.filter(Waiver.active_q(), pk__in=ids).order_by("check_id", "pk"))


def _subject(request: HttpRequest) -> Subject:
    """The ``target`` parameter (a target object the user may see; else 404), or the
    ``endpoint`` parameter, or the whole visible estate. A malformed id is a 400 naming it."""
    raw = request.GET.get("target", "").strip()
    if raw:
        if not raw.isdigit():
            raise BadReportParameter(_("target: give the number of a target object."))
        target = get_object_or_404(
            scoped(request.user, TargetObject.objects.select_related("endpoint", "cluster")),
            pk=int(raw),
        )
        findings = visible_findings(request.user, target_findings(target))
        return Subject(f"target-{target.pk}", target.name, target_rows(target), findings, target)
    endpoint = _endpoint_param(request)
    return Subject(
        f"endpoint-{endpoint.pk}" if endpoint else "estate",
        endpoint.name if endpoint else "",
        automated_rows(statuses_for(request.user, endpoint)),
        _open_findings(request, endpoint),
    )


class BadReportParameter(ValueError):
    pass


def _report(view):
    """A report view that answers a malformed parameter with 400 and the message."""

    @wraps(view)
    def wrapper(request: HttpRequest) -> HttpResponse:
        try:
            return view(request, _subject(request))
        except BadReportParameter as exc:
            return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")

    return wrapper


def _language(request: HttpRequest) -> str:
    asked = request.GET.get("lang", getattr(request, "LANGUAGE_CODE", "en"))
    return "de" if asked.startswith("de") else "en"


@require_safe
@role_required(*ROLES)
@_report
def report_pdf_view(request: HttpRequest, subject: Subject) -> HttpResponse:
    language = _language(request)
    findings = subject.findings.select_related("endpoint", "waiver")
    pdf = compliance_pdf(
        subject.rows,
        list(findings.order_by("object_path", "check_id")),
        subject.waivers(),
        language=language,
        scope=subject.name if subject.target is None else "",
        target=subject.name if subject.target is not None else "",
    )
    return _download(request, pdf, name=f"grundschutz-check-{language}", ext="pdf", kind="pdf")


@require_safe
@role_required(*ROLES)
@_report
def verinice_view(request: HttpRequest, subject: Subject) -> HttpResponse:
    body = verinice_csv(
        subject.rows, target_key=subject.key, target_name=subject.name or "Informationsverbund"
    )
    return _download(request, body, name=f"verinice-{subject.key}", ext="csv", kind="verinice")


@require_safe
@role_required(*ROLES)
@_report
def poam_view(request: HttpRequest, subject: Subject) -> HttpResponse:
    requirements_of: dict[str, list[str]] = {}
    for row in subject.rows:
        for check in row.checks:
            requirements_of.setdefault(check.check_id, []).append(row.requirement.ref)
    assessments = {r.requirement.ref: r.assessment for r in subject.rows if r.assessment}
    document = plan_of_action(
        list(subject.findings.select_related("endpoint", "waiver").order_by("pk")),
        requirements_of,
        assessments,
        title=f"VirtSec Portal plan of action {subject.name or 'all endpoints'}",
    )
    return _download(
        request, document, name=f"oscal-poam-{subject.key}", ext="json", kind="oscal-poam"
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
    return _download(request, document, name="oscal-assessment-results", ext="json", kind="oscal")
