"""Endpoints managed in the browser: add (fetch, compare, pin), edit, disable, sync, delete.

Every view declares its role with ``role_required`` like the rest of the pages: administrators
change endpoints, every role reads the detail page. A scoped administrator reaches only the
endpoints in their scope (``scoped``; others are 404) and cannot add endpoints (403: a new
endpoint would be outside every scope). All writes go through :mod:`inventory.services.endpoints`
(validation, audit); the secret is write-only: the forms never render it back.

Adding one is two steps. Step one takes platform and URL and queues a worker task that fetches
the server's certificate (a web request never connects to a hypervisor). Step two shows the
SHA-256 fingerprint, subject, issuer and expiry for the administrator to compare with the
server's own, and takes the name and credentials; saving pins that fingerprint. The step-two
page polls :func:`probe_status` (``static/js/endpoints.js``) until the worker has answered.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from inventory.connectors.tls import format_fingerprint
from inventory.models import CertificateProbe, Endpoint, PlatformAccount, SyncRun
from inventory.models.endpoint import default_interval
from inventory.services import endpoints as svc
from inventory.services.sync import sync_request
from portal.pages import render_form, role_required, service_call
from portal.roles import ADMINISTRATOR, ROLES, SECURITY_OFFICER, role_of
from portal.security.scopes import is_scoped, scoped


class ProbeForm(forms.Form):
    kind = forms.ChoiceField(choices=Endpoint.Kind.choices, label=gettext_lazy("Platform"))
    url = forms.CharField(
        max_length=255,
        label=gettext_lazy("URL"),
        help_text=gettext_lazy(
            "https:// and the host name, with the port if it is not 443, e.g. "
            "https://vcenter.example.org or https://pve1.example.org:8006"
        ),
    )


class EndpointForm(forms.Form):
    name = forms.CharField(max_length=100, label=gettext_lazy("Name"))
    username = forms.CharField(
        max_length=150,
        required=False,
        label=gettext_lazy("User name"),
        help_text=gettext_lazy("vCenter: e.g. portal-reader@vsphere.local"),
    )
    token_id = forms.CharField(
        max_length=200,
        required=False,
        label=gettext_lazy("API token id"),
        help_text=gettext_lazy("Proxmox only, instead of a user name: user@realm!tokenname"),
    )
    # render_value=False: a secret is never sent back to the browser, not even after an error.
    secret = forms.CharField(
        max_length=1024,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        label=gettext_lazy("Password or token secret"),
    )
    sync_interval_minutes = forms.IntegerField(
        min_value=1,
        max_value=1440,
        initial=default_interval,  # SYNC_DEFAULT_INTERVAL_MINUTES
        label=gettext_lazy("Sync every (minutes)"),
    )
    enabled = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Enabled"))

    FIELDS = ("name", "username", "token_id", "secret", "sync_interval_minutes", "enabled")


class NewEndpointForm(EndpointForm):
    compared = forms.BooleanField(
        label=gettext_lazy(
            "I compared this fingerprint with the one the server itself shows, and they match."
        )
    )


class DeleteEndpointForm(forms.Form):
    confirm_name = forms.CharField(label=gettext_lazy("Type the endpoint's name to confirm"))


def _endpoints(request: HttpRequest) -> QuerySet[Endpoint]:
    return scoped(request.user, Endpoint.objects.all())


def _may_add(request: HttpRequest) -> None:
    if is_scoped(request.user):  # a new endpoint would be outside every scope
        raise PermissionDenied


def _own_probe(request: HttpRequest, pk: int) -> CertificateProbe:
    """Only the administrator who asked sees a probe (and only for endpoints in scope)."""
    probe = get_object_or_404(
        CertificateProbe.objects.select_related("endpoint"), pk=pk, requested_by=request.user
    )
    if probe.endpoint_id is None:
        _may_add(request)
    elif not _endpoints(request).filter(pk=probe.endpoint_id).exists():
        raise PermissionDenied
    return probe


def _last_error(endpoint: Endpoint) -> SyncRun | None:
    if endpoint.last_sync_status != SyncRun.Status.FAILED:
        return None
    return SyncRun.objects.filter(endpoint=endpoint, status=SyncRun.Status.FAILED).first()


# ----------------------------------------------------------------------------- add


@require_http_methods(["GET", "POST"])
@role_required(ADMINISTRATOR)
def endpoint_add(request: HttpRequest) -> HttpResponse:
    """Step one: platform and URL; a worker fetches the certificate."""
    _may_add(request)
    form = ProbeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        probe = service_call(
            request,
            form,
            lambda: svc.certificate_probe_request(
                kind=form.cleaned_data["kind"],
                url=form.cleaned_data["url"],
                actor=request.user,
                request=request,
            ),
        )
        if probe is not None:
            return redirect("inventory:endpoint-add-confirm", pk=probe.pk)
    return render_form(request, "inventory/endpoint_add.html", {"form": form})


@transaction.atomic
def _create_from_probe(request: HttpRequest, probe: CertificateProbe, values: dict) -> Endpoint:
    """The endpoint with the certificate the probe fetched pinned (the probe is used up)."""
    return svc.endpoint_create(
        kind=probe.kind,
        url=probe.url,
        fingerprint=svc.probe_take(probe),
        actor=request.user,
        request=request,
        **values,
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMINISTRATOR)
def endpoint_add_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Step two: the fetched certificate to compare, name and credentials; saving pins it."""
    probe = _own_probe(request, pk)
    if probe.endpoint_id is not None:
        return redirect("inventory:endpoint-repin", pk=probe.endpoint_id, probe=probe.pk)
    form = NewEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in EndpointForm.FIELDS}
        endpoint = service_call(
            request,
            form,
            lambda: _create_from_probe(request, probe, values),
            lambda endpoint: (
                _("Endpoint %(name)s added; its certificate is pinned.") % {"name": endpoint.name}
            ),
        )
        if endpoint is not None:
            return redirect("inventory:endpoint-detail", pk=endpoint.pk)
    return render_form(
        request,
        "inventory/endpoint_add_confirm.html",
        {"probe": probe, "form": form, "usable": svc.probe_usable(probe)},
    )


@require_safe
@role_required(ADMINISTRATOR)
def probe_status(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled by static/js/endpoints.js while the worker fetches the certificate."""
    probe = _own_probe(request, pk)
    return JsonResponse({"id": probe.pk, "state": probe.state, "done": probe.state != "queued"})


# ----------------------------------------------------------------------------- one endpoint


@require_safe
@role_required(*ROLES)
def endpoint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(_endpoints(request).defer("secret"), pk=pk)
    runs = SyncRun.objects.filter(endpoint=endpoint).order_by("-queued_at")[:10]
    return render(
        request,
        "inventory/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "runs": runs,
            "last_error": _last_error(endpoint),
            "fingerprint": format_fingerprint(endpoint.fingerprint) if endpoint.fingerprint else "",
            **_rights(request, endpoint),
        },
    )


RIGHTS_SHOWN = 500


def _rights(request: HttpRequest, endpoint: Endpoint) -> dict:
    """The principals and grants the last sync read (rights review), for administrators and
    security officers; one query, at most RIGHTS_SHOWN principals."""
    if role_of(request.user) not in (ADMINISTRATOR, SECURITY_OFFICER):
        return {}
    accounts = list(
        PlatformAccount.objects.present()
        .filter(endpoint=endpoint)
        .exclude(grants=[])
        .order_by("kind", "name")[: RIGHTS_SHOWN + 1]
    )
    return {
        "principals": accounts[:RIGHTS_SHOWN],
        "principals_cut": len(accounts) > RIGHTS_SHOWN,
        "show_rights": True,
    }


@require_http_methods(["GET", "POST"])
@role_required(ADMINISTRATOR)
def endpoint_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Name, credentials, interval, enabled. An empty secret keeps the stored one."""
    endpoint = get_object_or_404(_endpoints(request), pk=pk)
    initial = {k: getattr(endpoint, k) for k in EndpointForm.FIELDS if k != "secret"}
    form = EndpointForm(request.POST or None, initial=initial)
    form.fields["secret"].help_text = _("Leave empty to keep the stored one.")
    if request.method == "POST" and form.is_valid():
        changes = {
            k: v for k, v in form.cleaned_data.items() if k == "secret" or v != initial.get(k)
        }
        if service_call(
            request,
            form,
            lambda: svc.endpoint_update(
                endpoint=endpoint, actor=request.user, request=request, **changes
            ),
            lambda saved: _("Endpoint %(name)s saved.") % {"name": saved.name},
        ):
            return redirect("inventory:endpoint-detail", pk=endpoint.pk)
    return render_form(
        request, "inventory/endpoint_edit.html", {"endpoint": endpoint, "form": form}
    )


@require_POST
@role_required(ADMINISTRATOR)
def endpoint_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    """Disable (no scheduled syncs, no operations) or enable again."""
    endpoint = get_object_or_404(_endpoints(request), pk=pk)
    svc.endpoint_update(
        endpoint=endpoint, actor=request.user, request=request, enabled=not endpoint.enabled
    )
    text = _("Endpoint %(name)s enabled.") if endpoint.enabled else _("Endpoint %(name)s disabled.")
    messages.success(request, text % {"name": endpoint.name})
    return redirect("inventory:endpoint-detail", pk=endpoint.pk)


@require_POST
@role_required(ADMINISTRATOR)
def endpoint_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue a sync now; the sync run list shows its progress live."""
    endpoint = get_object_or_404(_endpoints(request), pk=pk)
    sync_request(endpoint=endpoint, actor=request.user, request=request, trigger="web")
    return redirect(f"{reverse('inventory:sync-run-list')}?endpoint={endpoint.pk}")


@require_http_methods(["GET", "POST"])
@role_required(ADMINISTRATOR)
def endpoint_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks for the name typed: deleting removes the endpoint's whole inventory and history."""
    endpoint = get_object_or_404(_endpoints(request), pk=pk)
    form = DeleteEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm_name"] != endpoint.name:
            form.add_error(
                "confirm_name", _("Type %(name)s exactly to delete.") % {"name": endpoint.name}
            )
        else:
            name = endpoint.name
            svc.endpoint_delete(endpoint=endpoint, actor=request.user, request=request)
            messages.success(request, _("Endpoint %(name)s deleted.") % {"name": name})
            return redirect("inventory:endpoint-list")
    return render_form(
        request, "inventory/endpoint_delete.html", {"endpoint": endpoint, "form": form}
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMINISTRATOR)
def endpoint_repin(request: HttpRequest, pk: int, probe: int | None = None) -> HttpResponse:
    """Fetch the certificate again (POST without a probe), compare it, pin it (POST with one)."""
    endpoint = get_object_or_404(_endpoints(request), pk=pk)
    if probe is None:
        if request.method != "POST":
            return redirect("inventory:endpoint-detail", pk=endpoint.pk)
        new = svc.certificate_probe_request(
            kind=endpoint.kind,
            url=endpoint.url,
            endpoint=endpoint,
            actor=request.user,
            request=request,
        )
        return redirect("inventory:endpoint-repin", pk=endpoint.pk, probe=new.pk)
    fetched = _own_probe(request, probe)
    if fetched.endpoint_id != endpoint.pk:
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        try:
            svc.endpoint_repin(
                endpoint=endpoint, probe=fetched, actor=request.user, request=request
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The presented certificate is pinned now."))
            return redirect("inventory:endpoint-detail", pk=endpoint.pk)
    return render(
        request,
        "inventory/endpoint_repin.html",
        {
            "endpoint": endpoint,
            "probe": fetched,
            "usable": svc.probe_usable(fetched),
            "current": format_fingerprint(endpoint.fingerprint) if endpoint.fingerprint else "",
            "error": error,
        },
        status=400 if error else 200,
    )
