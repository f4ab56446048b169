"""Bulk actions on the snapshot list: delete the selected, set their owner and expiry.

The list's checkboxes send ``GET /snapshots/bulk/?action=delete&snapshot=1&snapshot=2``: a page
that lists what will happen (each snapshot with its VM's path) and asks for a reason (delete) or
the owner and expiry. Its POST (CSRF) acts. Permissions are those of the single actions (the
administrator, within the object scopes), checked per snapshot; nothing is half done: every
snapshot is checked first, and one refusal refuses them all, naming each snapshot refused.
A deletion is one audited operation per snapshot, through the service the single delete uses.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from inventory.models import Snapshot
from operations.models import Operation
from operations.services import operations as ops
from operations.services.governance import governance_problems, snapshots_govern
from portal.pages import role_required, service_errors
from portal.roles import ADMINISTRATOR, ROLES
from portal.security.scopes import scoped

MAX_SELECTED = 200
ACTIONS = ("delete", "govern")


class BulkDeleteForm(forms.Form):
    reason = forms.CharField(
        max_length=ops.REASON_MAX,
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("One reason for all; kept with each operation and audited."),
    )


def _people():
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=ROLES)
        .distinct()
        .order_by("username")
    )


class BulkGovernForm(forms.Form):
    owner = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=gettext_lazy("Owner"),
        help_text=gettext_lazy("empty: unchanged"),
    )
    expires_at = forms.DateTimeField(
        required=False,
        label=gettext_lazy("Expires"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=gettext_lazy("empty: unchanged"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()


def _selected(request: HttpRequest, data) -> tuple[list[Snapshot], list[str]]:
    """The selected snapshots the user may act on, and why the rest are refused (per id)."""
    problems: list[str] = []
    ids: list[int] = []
    for raw in data.getlist("snapshot"):
        if not raw.isdigit():
            problems.append(_("“%(value)s” is not a snapshot id.") % {"value": raw[:20]})
        elif int(raw) not in ids:
            ids.append(int(raw))
    if len(ids) > MAX_SELECTED:
        problems.append(_("Select at most %(n)d snapshots at once.") % {"n": MAX_SELECTED})
        ids = ids[:MAX_SELECTED]
    found = {
        s.pk: s
        for s in scoped(
            request.user,
            Snapshot.objects.filter(pk__in=ids).select_related(
                "endpoint", "vm__endpoint", "vm__cluster", "vm__host", "owner"
            ),
            "endpoint",
            "vm__cluster",
        )
    }
    # Outside the scope reads as not existing: the id only, never a name.
    problems += [
        _("Snapshot #%(id)d does not exist or is outside your scope.") % {"id": pk}
        for pk in ids
        if pk not in found
    ]
    return [found[pk] for pk in ids if pk in found], problems


def _delete_problems(snapshots: list[Snapshot]) -> list[str]:
    """Per snapshot: why it cannot be deleted now (as the single delete would refuse it)."""
    problems = []
    busy = dict(
        Operation.objects.active()
        .filter(vm__in={s.vm_id for s in snapshots})
        .values_list("vm_id", "pk")
    )
    seen_vm: dict[int, Snapshot] = {}
    for s in snapshots:
        try:
            ops._check_snapshot(s)
        except ops.OperationConflict as exc:
            problems.append(str(exc))
            continue
        if s.vm_id in busy:
            problems.append(
                _(
                    "%(snapshot)s of %(vm)s: operation #%(op)d on the VM is still active; "
                    "wait until it has ended."
                )
                % {"snapshot": s.name, "vm": s.vm.name, "op": busy[s.vm_id]}
            )
        elif s.vm_id in seen_vm:
            problems.append(
                _(
                    "%(snapshot)s and %(other)s are both of %(vm)s: a VM runs one operation at a "
                    "time; delete one now and the other when it has finished."
                )
                % {"snapshot": s.name, "other": seen_vm[s.vm_id].name, "vm": s.vm.name}
            )
        else:
            seen_vm[s.vm_id] = s
    return problems


def vm_path(snapshot: Snapshot) -> str:
    vm = snapshot.vm
    parts = (
        vm.endpoint.name,
        vm.cluster.name if vm.cluster else "",
        vm.host.name if vm.host else "",
    )
    return " / ".join([*(p for p in parts if p), vm.name])


@require_http_methods(["GET", "POST"])
@role_required(ADMINISTRATOR)
def snapshot_bulk(request: HttpRequest) -> HttpResponse:
    data = request.POST if request.method == "POST" else request.GET
    action = data.get("action", "")
    if action not in ACTIONS:
        messages.error(request, _("Choose what to do with the selected snapshots."))
        return redirect("inventory:snapshot-list")
    snapshots, problems = _selected(request, data)
    if not snapshots and not problems:
        messages.error(request, _("Select at least one snapshot."))
        return redirect("inventory:snapshot-list")
    is_delete = action == "delete"
    form_class = BulkDeleteForm if is_delete else BulkGovernForm
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if is_delete:
            problems += _delete_problems(snapshots)
        else:
            expires_at = form.cleaned_data["expires_at"]
            problems += governance_problems(snapshots, expires_at=expires_at)
        if not problems:
            try:
                if is_delete:
                    # All or none: a refusal of one rolls the operations before it back.
                    with transaction.atomic():
                        for s in snapshots:
                            ops.snapshot_delete(
                                snapshot=s,
                                actor=request.user,
                                request=request,
                                reason=form.cleaned_data["reason"],
                            )
                    messages.success(
                        request,
                        ngettext(
                            "%(n)d deletion queued, one operation per snapshot.",
                            "%(n)d deletions queued, one operation per snapshot.",
                            len(snapshots),
                        )
                        % {"n": len(snapshots)},
                    )
                    return redirect("operations:operation-list")
                snapshots_govern(
                    snapshots=snapshots,
                    actor=request.user,
                    owner=form.cleaned_data["owner"],
                    expires_at=form.cleaned_data["expires_at"],
                    request=request,
                )
                messages.success(
                    request,
                    ngettext(
                        "Owner and expiry set on %(n)d snapshot.",
                        "Owner and expiry set on %(n)d snapshots.",
                        len(snapshots),
                    )
                    % {"n": len(snapshots)},
                )
                return redirect("inventory:snapshot-list")
            except ops.OperationConflict as exc:
                problems.append(str(exc))
            except ValidationError as exc:
                service_errors(form, exc)
    elif is_delete:
        problems += _delete_problems(snapshots)
    context = {
        "action": action,
        "rows": [(s, vm_path(s)) for s in snapshots],
        "problems": problems,
        "form": form,
    }
    refused = request.method == "POST" and (problems or form.errors)
    return render(request, "operations/snapshot_bulk.html", context, status=400 if refused else 200)
