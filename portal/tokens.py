"""API tokens: creation and lookup. Only an HMAC of the secret part is stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .audit import audit
from .models import ApiToken

PREFIX = "vsp"


def _hash(secret: str) -> str:
    return hmac.new(settings.API_TOKEN_PEPPER.encode(), secret.encode(), hashlib.sha256).hexdigest()


def parse_networks(values: list[str]) -> list[str]:
    """Normalise CIDRs; raise ValueError naming the one that does not parse."""
    networks = []
    for value in values:
        try:
            networks.append(str(ipaddress.ip_network(value.strip(), strict=False)))
        except ValueError:
            raise ValueError(
                gettext("“%(value)s” is not a network in CIDR form such as 10.0.0.0/24.")
                % {"value": value}
            ) from None
    return networks


@transaction.atomic
def api_token_create(
    *,
    user,
    name: str,
    can_write: bool = False,
    expires_days: int | None = None,
    allowed_networks: list[str] | None = None,
    actor=None,
    request=None,
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; return the row and the full key, which is never stored."""
    prefix = secrets.token_hex(4)
    # Hex, not urlsafe base64: the key is split on "_", which base64 may contain.
    secret = secrets.token_hex(32)
    expires_at = timezone.now() + dt.timedelta(days=expires_days) if expires_days else None
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=_hash(secret),
        can_write=can_write,
        expires_at=expires_at,
        allowed_networks=parse_networks(allowed_networks or []),
    )
    audit(
        action="api_token.create",
        request=request,
        actor=actor or user,
        target=token,
        detail={"write": can_write, "expires_days": expires_days, "for_user": user.get_username()},
    )
    return token, f"{PREFIX}_{prefix}_{secret}"


def api_token_lookup(key: str, address: str | None) -> ApiToken | None:
    """Return the valid token for ``key`` used from ``address``, or None."""
    try:
        scheme, prefix, secret = key.split("_", 2)
    except ValueError:
        return None
    if scheme != PREFIX:
        return None
    tokens = ApiToken.objects.select_related("user", "user__directory_account")
    token = tokens.filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(secret)):
        return None
    if not token.is_valid or not token.user.is_active:
        return None
    if token.allowed_networks:
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return None
        if not any(ip in ipaddress.ip_network(net) for net in token.allowed_networks):
            return None
    # One cheap write per minute at most: last use is for humans, not for security.
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
