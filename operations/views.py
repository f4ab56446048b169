"""Pages of snapshot operations and policies; writes go through the same services as the API.

Every role reads; only administrators act (``role_required``). Progress updates live through
``static/js/operations.js``, which polls :func:`operation_status` every 2 s (no inline script:
the CSP is ``script-src 'self'``).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from inventory.models import Endpoint, Snapshot, VirtualMachine
from operations.models import Operation, SnapshotPolicy
from operations.services import operations as ops
from operations.services import policies
from operations.services.expiry import expiring_snapshots
from operations.services.policy_scopes import visible_policies
from portal.pages import paginate, query_without, role_required
from portal.roles import ADMINISTRATOR, ROLES
from portal.security.scopes import scoped
from portal.timefmt import local_text, utc_iso

# Operations reach their endpoint and cluster through the VM.
OP_SCOPE = ("vm__endpoint", "vm__cluster")


class SnapshotCreateForm(forms.Form):
    name = forms.CharField(max_length=80, strip=False, label=gettext_lazy("Name"))
    description = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=gettext_lazy("Description")
    )
    memory = forms.BooleanField(required=False, label=gettext_lazy("Include memory"))
    quiesce = forms.BooleanField(required=False, label=gettext_lazy("Quiesce file systems"))
    reason = forms.CharField(required=False, max_length=255, label=gettext_lazy("Reason"))
    expires_at = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Expires"),  # local time: Django reads it in TIME_ZONE
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=gettext_lazy("empty: the default expiry"),
    )


class RevertConfirmForm(forms.Form):
    confirm_name = forms.CharField(label=gettext_lazy("Type the snapshot's name to confirm"))
    reason = forms.CharField(required=False, max_length=255, label=gettext_lazy("Reason"))


class DeleteConfirmForm(forms.Form):
    confirm_name = forms.CharField(label=gettext_lazy("Type the snapshot's name to confirm"))
    reason = forms.CharField(
        max_length=255,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("Kept with the operation and in the audit trail."),
    )


def _cron_field(initial: str, label, help_text) -> forms.CharField:
    """One field of a policy's schedule, its format and examples shown before submitting."""
    return forms.CharField(initial=initial, label=label, help_text=help_text)


class PolicyForm(forms.Form):
    label = forms.CharField(
        max_length=12,
        label=gettext_lazy("Label"),
        help_text=gettext_lazy(
            "2 to 12 lower-case letters or digits, starting with a letter, e.g. nightly; "
            "the policy's snapshots are named auto-<label>-<time>."
        ),
    )
    enabled = forms.BooleanField(required=False, initial=True, label=gettext_lazy("Enabled"))
    endpoints = forms.ModelMultipleChoiceField(
        Endpoint.objects.all(), required=False, label=gettext_lazy("Endpoints")
    )
    vms = forms.ModelMultipleChoiceField(
        VirtualMachine.objects.present().filter(template=False),
        required=False,
        label=gettext_lazy("VMs"),
    )
    tag = forms.CharField(
        required=False,
        max_length=100,
        label=gettext_lazy("Tag"),
        help_text=gettext_lazy("VMs carrying this tag on their platform are included too."),
    )
    # The schedule in cron format (UTC): * every, */6 every sixth, 1,15 a list, 1-5 a range.
    minute = _cron_field(
        "0", gettext_lazy("Minute"),
        gettext_lazy("0-59; e.g. 0 (on the hour), */15 (every 15 minutes), 0,30."),
    )  # fmt: skip
    hour = _cron_field(
        "*/6", gettext_lazy("Hour"),
        gettext_lazy("0-23 in UTC; e.g. */6 (every six hours), 2 (at 02:00), 8-18."),
    )  # fmt: skip
    day_of_week = _cron_field(
        "*", gettext_lazy("Day of week"),
        gettext_lazy("0-6, 0 is Sunday; e.g. * (every day), 1-5 (Monday to Friday)."),
    )  # fmt: skip
    day_of_month = _cron_field(
        "*", gettext_lazy("Day of month"),
        gettext_lazy("1-31; e.g. * (every day), 1 (the first), 1,15."),
    )  # fmt: skip
    month_of_year = _cron_field(
        "*", gettext_lazy("Month of year"),
        gettext_lazy("1-12; e.g. * (every month), 1,4,7,10 (quarterly)."),
    )  # fmt: skip
    keep_last = forms.IntegerField(min_value=1, initial=3, label=gettext_lazy("Keep last"))
    max_age_hours = forms.IntegerField(
        min_value=1, required=False, label=gettext_lazy("Max age (h)")
    )
    min_free_percent = forms.IntegerField(
        min_value=0, max_value=99, initial=10, label=gettext_lazy("Min free %")
    )
    memory = forms.BooleanField(required=False, label=gettext_lazy("With memory"))


POLICY_FIELDS = (
    "label", "enabled", "tag", "keep_last", "max_age_hours", "min_free_percent", "memory",
)  # fmt: skip


def _refused(request: HttpRequest, exc: Exception) -> None:
    text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
    messages.error(request, _("Not queued: %(reason)s") % {"reason": text})


# ----------------------------------------------------------------------------- operations


def operation_summary(op: Operation) -> str:
    """One sentence with the operation's current state, on the page and in its status JSON."""
    name = op.snapshot.name if op.snapshot_id else op.params.get("name", "")
    texts = {
        Operation.State.QUEUED: _("%(kind)s “%(name)s” on %(vm)s is queued."),
        Operation.State.RUNNING: _("%(kind)s “%(name)s” on %(vm)s is running."),
        Operation.State.SUCCEEDED: _("%(kind)s “%(name)s” on %(vm)s succeeded."),
        Operation.State.FAILED: _("%(kind)s “%(name)s” on %(vm)s failed."),
    }
    return texts[op.state] % {"kind": op.get_kind_display(), "name": name, "vm": op.vm.name}


@require_GET
@role_required(*ROLES)
def operation_list(request: HttpRequest) -> HttpResponse:
    # vm and snapshot names are shown in every row.
    qs = scoped(
        request.user, Operation.objects.select_related("vm__endpoint", "snapshot"), *OP_SCOPE
    )
    filters = {k: request.GET.get(k, "") for k in ("state", "kind", "vm", "host", "endpoint")}
    if filters["state"]:
        qs = qs.filter(state=filters["state"])
    if filters["kind"]:
        qs = qs.filter(kind=filters["kind"])
    if filters["vm"].isdigit():
        qs = qs.filter(vm_id=int(filters["vm"]))
    if filters["host"].isdigit():  # the host page's link: the operations of its VMs
        qs = qs.filter(vm__host_id=int(filters["host"]))
    if filters["endpoint"].isdigit():
        qs = qs.filter(vm__endpoint_id=int(filters["endpoint"]))
    context = {
        "page": paginate(request, qs),
        "filters": filters,
        "states": Operation.State.choices,
        "kinds": Operation.Kind.choices,
        # The drop-down and the banner name objects too: both narrowed to the scope.
        "endpoints": scoped(request.user, Endpoint.objects.all()),
        "expiring": scoped(request.user, expiring_snapshots(), "endpoint", "vm__cluster")[:50],
        "query": query_without(request, "page"),
    }
    return render(request, "operations/operation_list.html", context)


@require_GET
@role_required(*ROLES)
def operation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    op = get_object_or_404(
        scoped(
            request.user, Operation.objects.select_related("vm__endpoint", "snapshot"), *OP_SCOPE
        ),
        pk=pk,
    )
    context = {"op": op, "summary": operation_summary(op), "steps": op.steps.all()}
    return render(request, "operations/operation_detail.html", context)


@require_GET
@role_required(*ROLES)
def operation_log(request: HttpRequest, pk: int) -> HttpResponse:
    """The operation's step log alone (its rows), fetched by static/js/live.js every 2 s;
    ``X-Live-Done`` once the operation has ended, so the page stops asking."""
    op = get_object_or_404(scoped(request.user, Operation.objects.all(), *OP_SCOPE), pk=pk)
    response = render(request, "operations/_steps.html", {"op": op, "steps": op.steps.all()})
    if not op.is_active:
        response["X-Live-Done"] = "1"
    return response


@require_GET
@role_required(*ROLES)
def operation_status(request: HttpRequest, pk: int) -> JsonResponse:
    """The little the progress display needs; polled by static/js/operations.js."""
    op = get_object_or_404(
        scoped(request.user, Operation.objects.select_related("vm", "snapshot"), *OP_SCOPE), pk=pk
    )
    return JsonResponse(
        {
            "id": op.pk,
            "summary": operation_summary(op),
            "state": op.state,
            "state_label": op.get_state_display(),
            "active": op.is_active,
            "error": op.error,
            "remote_ref": op.remote_ref,
            "finished_at": utc_iso(op.finished_at),
            "finished_at_text": local_text(op.finished_at, "seconds"),
        }
    )


# ----------------------------------------------------------------------------- snapshot actions


@require_POST
@role_required(ADMINISTRATOR)
def vm_snapshot_create(request: HttpRequest, pk: int) -> HttpResponse:
    vm = get_object_or_404(
        scoped(request.user, VirtualMachine.objects.select_related("endpoint")), pk=pk
    )
    form = SnapshotCreateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not queued: %(reason)s") % {"reason": form.errors.as_text()})
        return redirect("inventory:vm-detail", pk=vm.pk)
    try:
        op = ops.snapshot_create(vm=vm, actor=request.user, request=request, **form.cleaned_data)
    except (ValidationError, ops.OperationConflict) as exc:
        _refused(request, exc)
        return redirect("inventory:vm-detail", pk=vm.pk)
    # No "queued" flash: the operation page says the live state (operation_summary), which
    # static/js/operations.js keeps current; a flash would still say "queued" after success.
    return redirect("operations:operation-detail", pk=op.pk)


def _confirmed_operation(
    request: HttpRequest,
    pk: int,
    *,
    form_class: type[forms.Form],
    start,
    mismatch: str,
    template: str,
    error_status: int,
) -> HttpResponse:
    """A second step before a snapshot operation: the snapshot's name typed (and a reason).

    ``start`` is the service (``ops.snapshot_delete`` or ``ops.snapshot_revert``); ``mismatch``
    the message when the typed name is not the snapshot's.
    """
    snapshot = get_object_or_404(
        scoped(request.user, Snapshot.objects.select_related("vm__endpoint")), pk=pk
    )
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm_name"] != snapshot.name:
            form.add_error("confirm_name", mismatch % {"name": snapshot.name})
        else:
            try:
                op = start(
                    snapshot=snapshot,
                    actor=request.user,
                    request=request,
                    reason=form.cleaned_data["reason"],
                )
                return redirect("operations:operation-detail", pk=op.pk)
            except ops.OperationConflict as exc:
                form.add_error(None, str(exc))
    status = error_status if form.errors else 200
    return render(request, template, {"snapshot": snapshot, "form": form}, status=status)


@require_http_methods(["GET", "POST"])
@role_required(ADMINISTRATOR)
def snapshot_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Like revert, a second step: the snapshot's name typed, and a reason (both required)."""
    return _confirmed_operation(
        request,
        pk,
        form_class=DeleteConfirmForm,
        start=ops.snapshot_delete,
        mismatch=_("Type %(name)s exactly to delete."),
        template="operations/delete_confirm.html",
        error_status=400,
    )


@require_http_methods(["GET", "POST"])
@role_required(ADMINISTRATOR)
def snapshot_revert(request: HttpRequest, pk: int) -> HttpResponse:
    """A second step: the administrator types the snapshot's name before the VM is reverted."""
    return _confirmed_operation(
        request,
        pk,
        form_class=RevertConfirmForm,
        start=ops.snapshot_revert,
        mismatch=_("Type %(name)s exactly to revert."),
        template="operations/revert_confirm.html",
        error_status=200,  # as before: the page shows the error in place
    )


# ----------------------------------------------------------------------------- policies


@require_GET
@role_required(*ROLES)
def policy_list(request: HttpRequest) -> HttpResponse:
    context = {
        "policies": visible_policies(
            request.user, SnapshotPolicy.objects.select_related("crontab")
        ),
        "failing": visible_policies(request.user, policies.failing_policies()),
    }
    return render(request, "operations/policy_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(ADMINISTRATOR)
def policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    policy = (
        get_object_or_404(visible_policies(request.user, SnapshotPolicy.objects.all()), pk=pk)
        if pk
        else None
    )
    initial = {}
    if policy is not None:
        initial = {f: getattr(policy, f) for f in POLICY_FIELDS}
        initial |= {f: getattr(policy.crontab, f) for f in policies.CRON_FIELDS}
        initial |= {"endpoints": policy.endpoints.all(), "vms": policy.vms.all()}
    form = PolicyForm(request.POST or None, initial=initial)
    for name in ("endpoints", "vms"):  # only objects in the user's scope can be chosen
        form.fields[name].queryset = scoped(request.user, form.fields[name].queryset)
    if request.method == "POST" and form.is_valid():
        try:
            if policy is None:
                policies.policy_create(actor=request.user, request=request, **form.cleaned_data)
            else:
                policies.policy_update(
                    policy=policy, actor=request.user, request=request, **form.cleaned_data
                )
            messages.success(request, _("Policy saved."))
            return redirect("operations:snapshot-policy-list")
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    return render(request, "operations/policy_form.html", {"form": form, "policy": policy})


@require_POST
@role_required(ADMINISTRATOR)
def policy_run_now(request: HttpRequest, pk: int) -> HttpResponse:
    policy = get_object_or_404(visible_policies(request.user, SnapshotPolicy.objects.all()), pk=pk)
    run = policies.policy_run(
        policy_id=policy.pk, trigger="web", actor=request.user, request=request
    )
    if run is not None:
        messages.success(
            request,
            ngettext(
                "Policy %(label)s: %(n)d snapshot queued.",
                "Policy %(label)s: %(n)d snapshots queued.",
                run.queued,
            )
            % {"label": policy.label, "n": run.queued},
        )
    return redirect("operations:snapshot-policy-list")
