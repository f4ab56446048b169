"""Login, second factor (verify, enrol, recovery codes) and the API-token pages."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from portal.access import PUBLIC, role_required, signed_in
from portal.audit import audit
from portal.models import ApiToken, AuditEvent
from portal.roles import ROLES
from portal.signin import DIRECTORY_PROBLEMS, failure_of
from portal.tokens import api_token_create

from . import ratelimit
from .forms import ApiTokenForm, CodeForm, LoginForm, TotpCodeForm
from .middleware import mark_session_start
from .models import EncryptedTotpDevice, RecoveryCodes, recovery_code_hash
from .twofactor import has_device, is_verified

RECOVERY_CODES = 10


def _next_url(request: HttpRequest) -> str:
    """The ``next`` target when it stays on this site, else the home page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


def _too_many(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    audit(
        action="auth.rate_limited",
        request=request,
        actor="",
        result=AuditEvent.Result.DENIED,
        detail={"path": request.path[:200]},
    )
    response = render(request, template, {**context, "rate_limited": True}, status=429)
    response["Retry-After"] = "60"
    return response


class LoginView(auth_views.LoginView):
    """Password step. Rate-limited per address; django-axes locks (user, address) pairs.

    Django's ``login()`` gives the session a new key; the second factor follows (middleware).
    """

    portal_access = PUBLIC

    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not ratelimit.hit(request, bucket="login", limit=settings.LOGIN_RATE_PER_MINUTE):
            return _too_many(request, self.template_name, {"form": self.get_form_class()()})
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: LoginForm) -> HttpResponse:
        response = super().form_valid(form)
        mark_session_start(self.request)
        return response

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        reason = failure_of(self.request).get("reason", "")
        context["directory_problem"] = reason if reason in DIRECTORY_PROBLEMS else ""
        context["sso_provider"] = settings.OIDC_PROVIDER_NAME if settings.OIDC_ENABLED else ""
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context


@signed_in
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """Second step for users with a device: a TOTP code, or one recovery code (used up)."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("login"))
    if is_verified(request):
        return HttpResponseRedirect(_next_url(request))
    if not has_device(request.user):
        return HttpResponseRedirect(reverse("two-factor-setup"))
    form = CodeForm(request.POST or None)
    if request.method == "POST":
        if not ratelimit.hit(request, bucket="otp", limit=settings.LOGIN_RATE_PER_MINUTE):
            return _too_many(request, "registration/verify.html", {"form": form})
        device = (
            _matching_device(request.user, form.cleaned_data["code"]) if form.is_valid() else None
        )
        # The device's own throttle makes brute force slow.
        if device is not None:
            otp_login(request, device)
            request.session.cycle_key()  # a new key once the session is fully authenticated
            recovery = isinstance(device, StaticDevice)
            audit(
                action="auth.recovery_code_used" if recovery else "auth.second_factor",
                request=request,
                detail={"remaining": device.token_set.count()} if recovery else None,
            )
            return HttpResponseRedirect(_next_url(request))
        audit(
            action="auth.second_factor_failed",
            request=request,
            result=AuditEvent.Result.FAILURE,
        )
        form.add_error(None, gettext("The code is wrong, used already or expired."))
    return render(request, "registration/verify.html", {"form": form, "next": _next_url(request)})


def _matching_device(user, code: str) -> EncryptedTotpDevice | RecoveryCodes | None:
    """The device that accepts ``code``: a TOTP code (6 digits) or a recovery code (8 characters).

    Each kind is asked only about its own kind of code, so a TOTP code never counts as a failed
    recovery code (and the reverse) in django-otp's throttle.
    """
    devices = (
        EncryptedTotpDevice.objects.filter(user=user, confirmed=True)
        if code.isdigit() and len(code) == 6
        else RecoveryCodes.objects.filter(user=user, confirmed=True)
    )
    return next((device for device in devices if device.verify_token(code)), None)


def _new_recovery_codes(user) -> list[str]:
    """Replace the user's recovery codes; return the new ones (shown once, stored as hashes)."""
    device, _ = RecoveryCodes.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=recovery_code_hash(c)) for c in codes]
    )
    return codes


def _qr_svg(url: str) -> str:
    # segno writes plain SVG markup (no script, no style attribute): safe under the CSP.
    return segno.make(url, error="m").svg_inline(scale=5, dark="#000", light="#fff")


@signed_in
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol a TOTP device: scan, confirm with one code, then see recovery codes once."""
    if not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("login"))
    if has_device(request.user) and not is_verified(request):
        # Replacing a device needs the current one first.
        return HttpResponseRedirect(reverse("two-factor-verify"))
    device = EncryptedTotpDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = EncryptedTotpDevice.objects.create(
            user=request.user, name="authenticator", confirmed=False
        )
    form = TotpCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            with transaction.atomic():
                EncryptedTotpDevice.objects.filter(user=request.user).exclude(pk=device.pk).delete()
                TOTPDevice.objects.filter(user=request.user).delete()  # clear-text seeds, if any
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                codes = _new_recovery_codes(request.user)
                audit(action="auth.second_factor_enrol", request=request, target=device)
            otp_login(request, device)
            request.session.cycle_key()
            return render(
                request,
                "registration/recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("code", gettext("The code does not match; check the clock of your device."))
    return render(
        request,
        "registration/setup.html",
        {
            "form": form,
            "qr_svg": _qr_svg(device.config_url),
            "secret": _base32(device),
            "next": _next_url(request),
        },
    )


def _base32(device: EncryptedTotpDevice) -> str:
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@signed_in
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Make a new set of recovery codes (the old ones stop working) and show them once."""
    if not is_verified(request):
        raise PermissionDenied
    codes = _new_recovery_codes(request.user)
    audit(action="auth.recovery_codes_renew", request=request)
    return render(
        request, "registration/recovery_codes.html", {"codes": codes, "next": reverse("home")}
    )


@require_safe
@role_required(*ROLES)
def account(request: HttpRequest) -> HttpResponse:
    """The user's own security page: second-factor state and links."""
    return render(
        request,
        "security/account.html",
        {"has_device": has_device(request.user), "verified": is_verified(request)},
    )


# --- API tokens -------------------------------------------------------------------------------
#
# Separation of duties: every user (of any role) creates and revokes only their own tokens, so a
# token never names someone else as its owner. Tokens for service accounts are made on the
# command line (``manage.py create_api_token``, audited as a command). A token carries its
# owner's role and scopes as they are when it is used (portal.auth looks the owner up each time).


@require_http_methods(["GET", "POST"])
@role_required(*ROLES)
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List and create the signed-in user's own API tokens."""
    form = ApiTokenForm(request.POST or None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        _, new_key = api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            can_write=form.cleaned_data["can_write"],
            expires_days=form.cleaned_data["expires_days"],
            allowed_networks=form.cleaned_data["allowed_networks"],
            actor=request.user,
            request=request,
        )
        form = ApiTokenForm()
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "security/api_tokens.html",
        {"form": form, "tokens": tokens[:500], "new_key": new_key},
    )


@require_POST
@role_required(*ROLES)
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one of one's own tokens at once. Anyone else's is not found (404)."""
    token = get_object_or_404(ApiToken.objects.filter(user=request.user), pk=pk)
    if token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
        audit(action="api_token.revoke", request=request, target=token)
    return HttpResponseRedirect(reverse("api-tokens"))
