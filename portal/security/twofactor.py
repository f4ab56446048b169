"""Who needs a second factor, and whether a request has given one.

Administrators and security officers (and Django superusers/staff) must enrol a TOTP device
before anything else; every other interactive user may enrol, and once enrolled must verify.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.http import HttpRequest
from django_otp import user_has_device

from portal.roles import ADMINISTRATOR, SECURITY_OFFICER, role_of
from portal.signin import SESSION_SSO_FACTOR

ROLES_THAT_MUST_ENROL = (ADMINISTRATOR, SECURITY_OFFICER)


def must_enrol(user: AbstractBaseUser | AnonymousUser) -> bool:
    """True for users whose account may not be used with a password alone."""
    if not user.is_authenticated:
        return False
    return role_of(user) in ROLES_THAT_MUST_ENROL or user.is_superuser or user.is_staff


def has_device(user: AbstractBaseUser | AnonymousUser) -> bool:
    """True once the user has a confirmed TOTP (or recovery) device."""
    return user.is_authenticated and user_has_device(user, confirmed=True)


def is_verified(request: HttpRequest) -> bool:
    """True when this session passed the second factor: django-otp's (OTPMiddleware decides),
    or the single sign-on provider's when its ID token asserted one (portal.sso.oidc)."""
    user = request.user
    if user.is_authenticated and request.session.get(SESSION_SSO_FACTOR):
        return True
    return bool(getattr(user, "is_verified", lambda: False)())


def second_factor_missing(request: HttpRequest) -> str:
    """``""`` when the session may proceed, else ``"verify"`` or ``"enrol"`` (what is missing)."""
    user = request.user
    if not user.is_authenticated or is_verified(request):
        return ""
    if has_device(user):
        return "verify"
    if must_enrol(user):
        return "enrol"
    return ""
