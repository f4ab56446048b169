"""LDAP / Active Directory login: django-auth-ldap with the portal's rules around it.

Order of one login (``DirectoryBackend.authenticate``):

1. A local account of that name (one with a usable password) is left to Django's ModelBackend:
   the directory never takes over, and never gets asked for, a break-glass account.
2. The service account searches the user (``LDAP_USER_FILTER``) over verified TLS.
3. A user matched by ``LDAP_DISABLED_FILTER`` (AD: ``userAccountControl`` bit 2) is refused
   before their password is even tried.
4. The password is checked by binding as the user.
5. The groups, nested ones included (AD groups or groupOfNames, searched level by level by
   their ``member`` attribute), give the role and scopes (:mod:`portal.sso.grants`); no role,
   no login.

Each refusal notes its reason on the request (``portal.signin``); the audit trail names it.
An unreachable directory is its own reason, and the login page says so.

A user who logged in this way is a :class:`~portal.security.models.DirectoryAccount`. Whenever
the directory is found to have disabled or removed them (a login attempt, a session re-check, or
the use of an API token: :func:`recheck`), :func:`lock_out` takes their role and scopes away and
revokes their API tokens, so nothing the portal issued outlives the account.
"""

from __future__ import annotations

import logging
import socket
from urllib.parse import urlsplit

import ldap
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.utils import timezone
from django_auth_ldap.backend import LDAPBackend, _LDAPUser, ldap_error

from ..models import ApiToken, DirectoryAccount
from ..signin import LDAP, LOCAL, note_failure
from . import grants

log = logging.getLogger("portal.sso.ldap")

OK, GONE, DISABLED, UNREACHABLE = "ok", "gone", "disabled", "unreachable"


def _answers_tcp(uri: str) -> bool:
    """True when something accepts TCP connections at the first server of ``uri``."""
    parts = urlsplit(uri.split()[0])
    port = parts.port or (636 if parts.scheme == "ldaps" else 389)
    try:
        with socket.create_connection((parts.hostname or "localhost", port), timeout=2):
            return True
    except OSError:
        return False


def classify(exc: ldap.LDAPError) -> str:
    """A failure reason for the audit trail.

    libldap reports a refused certificate like a server that is down ("Can't contact LDAP
    server", or "Connect error" after StartTLS), without saying why. So when the server does
    accept TCP connections, the failure was the TLS handshake: its certificate was not trusted.
    """
    if isinstance(exc, ldap.TIMEOUT | ldap.TIMELIMIT_EXCEEDED):
        return "directory_unreachable"
    if isinstance(exc, ldap.SERVER_DOWN | ldap.CONNECT_ERROR):
        info = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
        text = f"{info.get('info', '')} {info.get('desc', '')}".lower()
        if "certificate" in text or _answers_tcp(settings.AUTH_LDAP_SERVER_URI):
            return "directory_tls_failed"
        return "directory_unreachable"
    if isinstance(exc, ldap.INVALID_CREDENTIALS):
        return "service_account_rejected"
    return "directory_error"


def _on_ldap_error(sender, context, user, request, exception, **kwargs) -> None:
    reason = classify(exception)
    log.warning("directory %s while %s: %s", reason, context, type(exception).__name__)
    note_failure(request, LDAP, reason)


ldap_error.connect(_on_ldap_error, dispatch_uid="portal.sso.ldap")


def lock_out(user) -> int:
    """The directory disabled or removed ``user``: take role and scopes away and revoke their
    API tokens. Returns how many tokens were revoked. A later login, once the directory allows
    it again, gives role and scopes back; the tokens stay revoked."""
    with transaction.atomic():
        grants.revoke(user)
        return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


def recheck(user) -> str:
    """Ask the directory about a directory account whose last check is ``LDAP_RECHECK_SECONDS``
    old (OK for anyone else, and while not due). On DISABLED or GONE the caller refuses and
    calls :func:`lock_out`; UNREACHABLE lets the account go on until the next check."""
    try:
        account = user.directory_account
    except ObjectDoesNotExist:
        return OK
    now = timezone.now()
    if (now - account.checked_at).total_seconds() < settings.LDAP_RECHECK_SECONDS:
        return OK
    state = DirectoryBackend().state_of(user.get_username())
    DirectoryAccount.objects.filter(pk=account.pk).update(checked_at=now)  # unreachable too
    return state


def _local_account(username: str):
    """The local (break-glass) account of that name: one that has a usable password."""
    user = get_user_model()._default_manager.filter(username__iexact=username).first()
    return user if user is not None and user.has_usable_password() else None


def _lock_out_known(username: str) -> None:
    """A disabled account tried to log in: lock out its portal copy, if it has one."""
    known = DirectoryAccount.objects.filter(user__username__iexact=username).select_related("user")
    for account in known:
        lock_out(account.user)


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap's backend with disabled accounts, local accounts and role mapping."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.LDAP_ENABLED or not username or not password:
            return None
        username = username.strip()
        if _local_account(username) is not None:
            note_failure(request, LOCAL, "bad_credentials")
            return None
        ldap_user = _LDAPUser(self, username=username, request=request)
        if ldap_user.dn is None:  # an error of the search was noted by _on_ldap_error
            note_failure(request, LDAP, "unknown_user")
            return None
        try:
            if self.is_disabled(ldap_user):
                _lock_out_known(username)
                note_failure(request, LDAP, "disabled")
                return None
        except ldap.LDAPError as exc:
            note_failure(request, LDAP, classify(exc))
            return None
        user = ldap_user.authenticate(password)
        if user is None:
            note_failure(request, LDAP, "wrong_password")
            return None
        try:
            grant = grants.resolve(settings.LDAP_GRANTS, ldap_user.group_dns)
        except grants.GrantRefused as refused:
            grants.revoke(user)
            note_failure(request, LDAP, refused.reason, detail=refused.detail)
            return None
        except ldap.LDAPError as exc:
            note_failure(request, LDAP, classify(exc))
            return None
        grants.apply(user, grant)
        DirectoryAccount.objects.update_or_create(
            user=user, defaults={"checked_at": timezone.now()}
        )
        user.portal_grant = grant
        return user

    def get_or_build_user(self, username, ldap_user):
        user, built = super().get_or_build_user(username, ldap_user)
        if not built and user.has_usable_password():  # a race with step 1; never take over
            raise ldap_user.AuthenticationFailed("a local account has this name")
        return user, built

    @staticmethod
    def is_disabled(ldap_user: _LDAPUser) -> bool:
        """True when ``LDAP_DISABLED_FILTER`` matches the user's entry (searched as the service)."""
        disabled_filter = settings.LDAP_DISABLED_FILTER
        if not disabled_filter:
            return False
        found = ldap_user.connection.search_s(
            ldap_user.dn, ldap.SCOPE_BASE, disabled_filter, ["1.1"]
        )
        return bool(found)

    def state_of(self, username: str) -> str:
        """OK, GONE (no longer found), DISABLED or UNREACHABLE: for a session's periodic check."""
        ldap_user = _LDAPUser(self, username=username)
        failures: list[str] = []

        def collect(sender, exception, **kwargs):
            failures.append(classify(exception))

        ldap_error.connect(collect, weak=False, dispatch_uid=f"state-{id(ldap_user)}")
        try:
            dn = ldap_user.dn
            if failures:
                return UNREACHABLE
            if dn is None:
                return GONE
            return DISABLED if self.is_disabled(ldap_user) else OK
        except ldap.LDAPError:
            return UNREACHABLE
        finally:
            ldap_error.disconnect(dispatch_uid=f"state-{id(ldap_user)}")
