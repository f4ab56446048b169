"""Endpoint writes: create and update with validation and audit; the secret never leaves."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from inventory.connectors import tls
from inventory.models import Endpoint
from portal.audit import audit

# Fields whose values may appear in audit details (never the secret, never the CA body).
_AUDITED = ("name", "kind", "url", "username", "token_id", "sync_interval_minutes", "enabled")


def _clean(values: dict[str, Any], instance: Endpoint | None) -> dict[str, Any]:
    """Validate and normalise endpoint fields; raise ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    kind = values.get("kind", instance.kind if instance else "")
    if kind not in Endpoint.Kind.values:
        errors["kind"] = f"use one of: {', '.join(Endpoint.Kind.values)}"
    url = values.get("url", instance.url if instance else "")
    try:
        tls.host_port(url)
    except ValueError as exc:
        errors["url"] = str(exc)
    fingerprint = values.get("fingerprint")
    ca_pem = values.get("ca_pem")
    if fingerprint:
        try:
            values["fingerprint"] = tls.normalize_fingerprint(fingerprint)
        except ValueError as exc:
            errors["fingerprint"] = str(exc)
    if ca_pem:
        try:
            values["ca_pem"] = tls.validate_ca_pem(ca_pem)
        except ValueError as exc:
            errors["ca_pem"] = str(exc)
    if fingerprint and ca_pem:
        errors["fingerprint"] = "give either a CA certificate or a pinned fingerprint, not both"
    # What the endpoint will hold: a field given (even empty) replaces the stored one.
    has_trust = bool(
        fingerprint
        or ca_pem
        or (
            instance
            and (
                ("fingerprint" not in values and instance.fingerprint)
                or ("ca_pem" not in values and instance.ca_pem)
            )
        )
    )
    if not has_trust:
        errors["fingerprint"] = (
            "trust is required: give the CA certificate (PEM) or the server's SHA-256 fingerprint; "
            "verification cannot be switched off"
        )
    if fingerprint and instance:
        values["ca_pem"] = ""  # switching trust mode replaces the other one
    if ca_pem and instance:
        values["fingerprint"] = ""
    username = values.get("username", instance.username if instance else "")
    token_id = values.get("token_id", instance.token_id if instance else "")
    secret = values.get("secret")
    if not username and not token_id:
        errors["username"] = "give a user name (or, for Proxmox, an API token id)"
    if token_id and kind == Endpoint.Kind.VCENTER:
        errors["token_id"] = "API tokens are a Proxmox login; vCenter uses user name and password"  # noqa: S105 - a message, not a secret
    if token_id and "!" not in token_id:
        errors["token_id"] = "a Proxmox token id looks like user@realm!tokenname"  # noqa: S105 - a message, not a secret
    if instance is None and not secret:
        errors["secret"] = "the password or token secret is required"  # noqa: S105 - a message, not a secret
    interval = values.get("sync_interval_minutes")
    if interval is None and instance is None:
        values["sync_interval_minutes"] = settings.SYNC_DEFAULT_INTERVAL_MINUTES
    elif interval is not None and not (1 <= int(interval) <= 1440):
        errors["sync_interval_minutes"] = "use a number of minutes from 1 to 1440"
    name = values.get("name")
    if name is not None:
        values["name"] = name = name.strip()
        if not name or len(name) > 100:
            errors["name"] = "give a name of 1 to 100 characters"
        elif Endpoint.objects.filter(name=name).exclude(pk=getattr(instance, "pk", None)).exists():
            errors["name"] = f"an endpoint named {name!r} exists already"
    if errors:
        raise ValidationError(errors)
    return values


@transaction.atomic
def endpoint_create(
    *,
    name: str,
    kind: str,
    url: str,
    username: str = "",
    secret: str = "",
    token_id: str = "",
    ca_pem: str = "",
    fingerprint: str = "",
    sync_interval_minutes: int | None = None,
    enabled: bool = True,
    actor,
    request=None,
) -> Endpoint:
    """Create an endpoint (the secret is encrypted at rest) and audit it."""
    values = _clean(
        {
            "name": name,
            "kind": kind,
            "url": url,
            "username": username,
            "secret": secret,
            "token_id": token_id,
            "ca_pem": ca_pem,
            "fingerprint": fingerprint,
            "sync_interval_minutes": sync_interval_minutes,
            "enabled": enabled,
        },
        None,
    )
    endpoint = Endpoint.objects.create(**values)
    audit(
        action="endpoint.create",
        request=request,
        actor=actor,
        target=endpoint,
        detail={k: getattr(endpoint, k) for k in _AUDITED} | {"trust": endpoint.trust_mode},
    )
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint: Endpoint, actor, request=None, **changes: Any) -> Endpoint:
    """Change the given fields; an empty ``secret`` keeps the stored one."""
    if not changes.get("secret"):
        changes.pop("secret", None)
    values = _clean(dict(changes), endpoint)
    for key, value in values.items():
        setattr(endpoint, key, value)
    endpoint.save()
    changed = sorted(values)
    audit(
        action="endpoint.update",
        request=request,
        actor=actor,
        target=endpoint,
        detail={"changed": changed} | {k: getattr(endpoint, k) for k in _AUDITED if k in values},
    )
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, actor, request=None) -> None:
    audit(action="endpoint.delete", request=request, actor=actor, target=endpoint)
    endpoint.delete()
