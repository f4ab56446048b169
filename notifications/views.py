"""Notification pages: one's own subscriptions (every role), the role subscriptions and webhook
receivers (security officers and administrators without scopes), and the delivery log
(security officers and administrators; a scoped one sees only deliveries about objects in the
scope, and their own).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.access import role_required
from portal.audit import audit
from portal.pages import paginate
from portal.roles import ADMINISTRATOR, ROLES, SECURITY_OFFICER
from portal.security.scopes import is_scoped, scopes_of

from .forms import (
    OwnSubscriptionForm,
    ReceiverForm,
    ReceiverSubscriptionForm,
    RoleSubscriptionForm,
)
from .kinds import Channel
from .models import Delivery, Receiver, Subscription

MANAGERS = (SECURITY_OFFICER, ADMINISTRATOR)


def _unscoped_manager(request: HttpRequest) -> None:
    """Receivers and role subscriptions reach everything: no scoped user sets them up."""
    if is_scoped(request.user):
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def own_subscriptions(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own mail subscriptions (to the address of their account)."""
    form = OwnSubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sub, created = Subscription.objects.update_or_create(
            user=request.user,
            kind=form.cleaned_data["kind"],
            defaults={
                "channel": Channel.MAIL,
                "digest": form.cleaned_data["digest"],
                "created_by": request.user.get_username(),
            },
        )
        audit(
            action="notification.subscribe" if created else "notification.subscription_change",
            request=request,
            target=sub,
            detail={"kind": sub.kind, "digest": sub.digest},
        )
        return HttpResponseRedirect(reverse("notifications:own"))
    return render(
        request,
        "notifications/own.html",
        {
            "form": form,
            "subscriptions": Subscription.objects.filter(user=request.user),
            "has_email": bool(request.user.email),
            "role_subscriptions": Subscription.objects.exclude(role=""),
        },
    )


@require_POST
@role_required(*ROLES)
def subscription_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one's own subscription; an unscoped manager also role and webhook ones."""
    mine = Q(user=request.user)
    allowed = mine
    if request.user.groups.filter(name__in=MANAGERS).exists() and not is_scoped(request.user):
        allowed |= Q(user__isnull=True)
    sub = get_object_or_404(Subscription.objects.filter(allowed), pk=pk)
    label = sub.audit_label()
    audit(
        action="notification.unsubscribe",
        request=request,
        target_type="notifications.subscription",
        target_id=str(sub.pk),
        target_repr=label,
    )
    sub.delete()
    return HttpResponseRedirect(
        reverse("notifications:own" if sub.user_id else "notifications:settings")
    )


@require_http_methods(["GET", "POST"])
@role_required(*MANAGERS)
def settings_page(request: HttpRequest) -> HttpResponse:
    """Role subscriptions, webhook receivers and what each receiver is sent."""
    _unscoped_manager(request)
    action = request.POST.get("action", "")
    forms = {
        "role": RoleSubscriptionForm(request.POST if action == "role" else None, prefix="role"),
        "hook": ReceiverSubscriptionForm(request.POST if action == "hook" else None, prefix="hook"),
        "receiver": ReceiverForm(request.POST if action == "receiver" else None, prefix="rcv"),
    }
    if request.method == "POST" and action in forms and forms[action].is_valid():
        with transaction.atomic():
            _save(request, action, forms[action])
        return HttpResponseRedirect(reverse("notifications:settings"))
    return render(
        request,
        "notifications/settings.html",
        {
            **{f"{name}_form": form for name, form in forms.items()},
            "role_subscriptions": Subscription.objects.exclude(role=""),
            "receivers": Receiver.objects.prefetch_related("subscriptions"),
            "hook_subscriptions": Subscription.objects.filter(
                receiver__isnull=False
            ).select_related("receiver"),
        },
    )


def _save(request: HttpRequest, action: str, form) -> None:
    data = form.cleaned_data
    name = request.user.get_username()
    if action == "receiver":
        receiver = form.save(commit=False)
        receiver.created_by = name
        receiver.save()
        audit(
            action="notification.receiver_create",
            request=request,
            target=receiver,
            detail={"format": receiver.format},
        )
        messages.success(request, _("Receiver saved. Its secret is not shown again."))
        return
    if action == "role":
        lookup = {"role": data["role"], "kind": data["kind"]}
    else:
        lookup = {"receiver": data["receiver"], "kind": data["kind"], "channel": Channel.WEBHOOK}
    sub, created = Subscription.objects.update_or_create(
        **lookup, defaults={"digest": data["digest"], "created_by": name}
    )
    audit(
        action="notification.subscribe" if created else "notification.subscription_change",
        request=request,
        target=sub,
        detail={"kind": sub.kind, "digest": sub.digest},
    )


@require_http_methods(["GET", "POST"])
@role_required(*MANAGERS)
def receiver_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _unscoped_manager(request)
    receiver = get_object_or_404(Receiver, pk=pk)
    form = ReceiverForm(request.POST or None, instance=receiver)
    if request.method == "POST" and form.is_valid():
        changed = [f for f in form.changed_data if f not in ("url", "secret")]
        if request.POST.get("url"):
            changed.append("url")
        if request.POST.get("secret"):
            changed.append("secret")
        receiver = form.save()
        audit(
            action="notification.receiver_change",
            request=request,
            target=receiver,
            detail={"changed": sorted(changed)},  # names only, never values
        )
        messages.success(request, _("Receiver saved."))
        return HttpResponseRedirect(reverse("notifications:settings"))
    return render(request, "notifications/receiver_form.html", {"form": form, "receiver": receiver})


@require_POST
@role_required(*MANAGERS)
def receiver_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _unscoped_manager(request)
    receiver = get_object_or_404(Receiver, pk=pk)
    audit(action="notification.receiver_delete", request=request, target=receiver)
    receiver.delete()
    return HttpResponseRedirect(reverse("notifications:settings"))


@require_http_methods(["GET"])
@role_required(*MANAGERS)
def delivery_list(request: HttpRequest) -> HttpResponse:
    """Who was told what, when, how it went (status, attempts, last error)."""
    deliveries = Delivery.objects.select_related("event", "user", "receiver")
    if is_scoped(request.user):
        endpoints, clusters = scopes_of(request.user)
        deliveries = deliveries.filter(
            Q(event__endpoint_id__in=endpoints)
            | Q(event__cluster_id__in=clusters)
            | Q(user=request.user)
        )
    status = request.GET.get("status", "")
    if status in Delivery.Status.values:
        deliveries = deliveries.filter(status=status)
    return render(
        request,
        "notifications/delivery_list.html",
        {
            "page": paginate(request, deliveries.order_by("-created_at", "-id")),
            "statuses": Delivery.Status.choices,
            "status": status,
        },
    )
