"""Waiver requests for the findings selected on the findings list (issue 16, bulk actions).

The list's checkboxes send ``GET /compliance/findings/waive/?finding=1&finding=2``: a page that
lists each finding (check, object path, message) and asks for one reason and one expiry. Its
POST (CSRF) requests one waiver per finding for the finding's object, as the finding's own page
does: a *request* (four eyes), in force only once another security officer approves it. The
permissions are the single request's (security officers, within their scopes), checked per
finding; one refusal refuses all, naming each finding refused.
"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from portal.pages import role_required, service_call
from portal.roles import SECURITY_OFFICER
from portal.security.scopes import scoped

from .forms import WaiverForm
from .models import Finding, Waiver
from .services import waiver_create

MAX_SELECTED = 200


class BulkWaiverForm(WaiverForm):
    """One reason and one expiry for all; the scope is each finding's object."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["scope"]


def _selected(request: HttpRequest, data) -> tuple[list[Finding], list[str]]:
    problems: list[str] = []
    ids: list[int] = []
    for raw in data.getlist("finding"):
        if not raw.isdigit():
            problems.append(_("“%(value)s” is not a finding id.") % {"value": raw[:20]})
        elif int(raw) not in ids:
            ids.append(int(raw))
    if len(ids) > MAX_SELECTED:
        problems.append(_("Select at most %(n)d findings at once.") % {"n": MAX_SELECTED})
        ids = ids[:MAX_SELECTED]
    found = {
        f.pk: f
        for f in scoped(
            request.user,
            Finding.objects.filter(pk__in=ids).select_related("endpoint", "cluster", "waiver"),
        )
    }
    problems += [
        _("Finding #%(id)d does not exist or is outside your scope.") % {"id": pk}
        for pk in ids
        if pk not in found
    ]
    findings = [found[pk] for pk in ids if pk in found]
    for f in findings:
        name = {"check": f.check_id, "object": f.object_path or f.object_name}
        if f.resolved_at is not None:
            problems.append(_("%(check)s on %(object)s is resolved.") % name)
        elif f.waiver_id is not None and f.waiver.state in ("active", "requested"):
            state = _("in force") if f.waiver.state == "active" else _("requested")
            problems.append(
                _("%(check)s on %(object)s already has waiver #%(waiver)d (%(state)s).")
                % {**name, "waiver": f.waiver_id, "state": state}
            )
    return findings, problems


@transaction.atomic  # all requests or none
def _request_waivers(request: HttpRequest, findings: list[Finding], data: dict) -> list[Waiver]:
    return [
        waiver_create(
            check_id=f.check_id,
            scope=Waiver.Scope.OBJECT,
            reason=data["reason"],
            expires_at=data["expires_at"],
            finding=f,
            actor=request.user,
            request=request,
        )
        for f in findings
    ]


@require_http_methods(["GET", "POST"])
@role_required(SECURITY_OFFICER)
def finding_waive_bulk(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    findings, problems = _selected(request, data)
    if not findings and not problems:
        messages.error(request, _("Select at least one finding."))
        return redirect("compliance:finding-list")
    form = BulkWaiverForm(request.POST if request.method == "POST" else None)
    if (
        request.method == "POST"
        and form.is_valid()
        and not problems
        and service_call(
            request,
            form,
            lambda: _request_waivers(request, findings, form.cleaned_data),
            lambda waivers: (
                ngettext(
                    "%(n)d waiver requested; each holds once another security officer approves it.",
                    "%(n)d waivers requested; each holds once another security officer approves it.",
                    len(waivers),
                )
                % {"n": len(waivers)}
            ),
        )
    ):
        return redirect("compliance:waiver-list")
    refused = request.method == "POST" and (problems or form.errors)
    return render(
        request,
        "compliance/finding_waive_bulk.html",
        {"findings": findings, "problems": problems, "form": form},
        status=400 if refused else 200,
    )
