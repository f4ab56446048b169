"""Endpoint writes: create and update with validation and audit; the secret never leaves.

Pinning from the browser goes through a :class:`~inventory.models.CertificateProbe`: the page
asks (:func:`certificate_probe_request`), a worker connects (:func:`certificate_probe_run`,
task ``inventory.probe_certificate``), the administrator compares the fingerprint and the
page pins it (:func:`endpoint_create` / :func:`endpoint_repin` with :func:`probe_take`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from cryptography import x509
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inventory.connectors import tls
from inventory.connectors.base import ConnectorError
from inventory.connectors.platforms import PLATFORMS
from inventory.models import CertificateProbe, Endpoint
from inventory.signals import certificate_probe_requested
from portal.audit import audit, field_changes
from portal.models import AuditEvent
from portal.security.scopes import is_scoped

# A fetched certificate may be pinned within this time; after it, fetch again.
PROBE_VALID = dt.timedelta(minutes=30)

# Fields whose values may appear in audit details (never the secret, never the CA body).
_AUDITED = ("name", "kind", "url", "username", "token_id", "sync_interval_minutes", "enabled")


def _name_taken(name: str, actor: Any) -> str:
    """Why ``name`` cannot be used, saying no more than ``actor`` may know.

    Endpoint names are unique. A user limited to some endpoints or clusters must not learn
    from this message that an endpoint outside the scope has the name (see
    ``operations.services.policies._label_taken``, the same rule for policy labels).
    """
    if getattr(actor, "is_authenticated", False) and is_scoped(actor):
        return "this name cannot be used; choose another"
    return f"an endpoint named {name!r} exists already"


def _clean(values: dict[str, Any], instance: Endpoint | None, actor: Any = None) -> dict[str, Any]:
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
    if token_id and kind in PLATFORMS and not PLATFORMS[kind].api_tokens:
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
            errors["name"] = _name_taken(name, actor)
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
        actor,
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
    values = _clean(dict(changes), endpoint, actor)
    before = {key: getattr(endpoint, key) for key in values}
    for key, value in values.items():
        setattr(endpoint, key, value)
    endpoint.save()
    changed = sorted(values)
    audit(
        action="endpoint.update",
        request=request,
        actor=actor,
        target=endpoint,
        detail={"changed": changed}
        | {k: getattr(endpoint, k) for k in _AUDITED if k in values}
        # The secret's values never: only that it changed (scrub() redacts it as well).
        | {
            "changes": field_changes(before, values)
            | ({"secret": ["***", "***"]} if "secret" in values else {})
        },
    )
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, actor, request=None) -> None:
    audit(action="endpoint.delete", request=request, actor=actor, target=endpoint)
    endpoint.delete()


# ----------------------------------------------------------------------------- certificate probes


@transaction.atomic
def certificate_probe_request(
    *, kind: str, url: str, actor, request=None, endpoint: Endpoint | None = None
) -> CertificateProbe:
    """Record what to fetch and queue the worker task; nothing connects in this call."""
    errors = {}
    if kind not in Endpoint.Kind.values:
        errors["kind"] = f"use one of: {', '.join(Endpoint.Kind.values)}"
    url = (url or "").strip()
    try:
        tls.host_port(url)
    except ValueError as exc:
        errors["url"] = str(exc)
    if errors:
        raise ValidationError(errors)
    probe = CertificateProbe.objects.create(
        kind=kind, url=url, endpoint=endpoint, requested_by=actor
    )
    audit(
        action="endpoint.certificate_fetch",
        request=request,
        actor=actor,
        target=endpoint or probe,
        detail={"url": url, "probe": probe.pk},
    )
    certificate_probe_requested.send(sender=CertificateProbe, probe_id=probe.pk)
    return probe


def certificate_probe_run(*, probe_id: int) -> CertificateProbe | None:
    """Connect to the server (in a worker), record its certificate's fingerprint and details."""
    probe = CertificateProbe.objects.filter(
        pk=probe_id, state=CertificateProbe.State.QUEUED
    ).first()
    if probe is None:
        return None  # gone or done (a redelivered message)
    try:
        der = tls.fetch_presented_certificate(
            probe.url, timeout=settings.HYPERVISOR_TIMEOUT_SECONDS
        )
    except ConnectorError as exc:
        probe.state, probe.error = CertificateProbe.State.FAILED, str(exc)[:2000]
    else:
        probe.state = CertificateProbe.State.SUCCEEDED
        probe.fingerprint = tls.fingerprint_of_der(der)
        try:
            cert = x509.load_der_x509_certificate(der)
            probe.subject = cert.subject.rfc4514_string()[:500]
            probe.issuer = cert.issuer.rfc4514_string()[:500]
            probe.not_after = cert.not_valid_after_utc
        except ValueError:  # a certificate the library cannot parse: the fingerprint still counts
            pass
    probe.finished_at = timezone.now()
    probe.save()
    audit(
        action="endpoint.certificate_fetched",
        actor="worker",
        source=AuditEvent.Source.TASK,
        target=probe.endpoint or probe,
        result=AuditEvent.Result.SUCCESS
        if probe.state == CertificateProbe.State.SUCCEEDED
        else AuditEvent.Result.FAILURE,
        detail={"url": probe.url, "probe": probe.pk, "fingerprint": probe.fingerprint}
        | ({"error": probe.error[:500]} if probe.error else {}),
    )
    return probe


def probe_usable(probe: CertificateProbe) -> bool:
    """Fetched, not pinned yet and recent enough to pin."""
    return (
        probe.state == CertificateProbe.State.SUCCEEDED
        and probe.used_at is None
        and probe.finished_at is not None
        and timezone.now() - probe.finished_at <= PROBE_VALID
    )


def probe_take(probe: CertificateProbe) -> str:
    """Mark the probe used (once, even with two clicks) and return its fingerprint."""
    taken = CertificateProbe.objects.filter(pk=probe.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not taken or not probe_usable(probe):
        raise ValidationError(
            {"fingerprint": "this certificate was pinned already or is too old; fetch it again"}
        )
    return probe.fingerprint


@transaction.atomic
def endpoint_repin(*, endpoint: Endpoint, probe: CertificateProbe, actor, request=None) -> Endpoint:
    """Pin the certificate a probe of this endpoint fetched (after a renewal, say)."""
    if probe.endpoint_id != endpoint.pk:
        raise ValidationError({"fingerprint": "this certificate was fetched for another endpoint"})
    before = endpoint.fingerprint
    fingerprint = probe_take(probe)
    endpoint_update(endpoint=endpoint, actor=actor, request=request, fingerprint=fingerprint)
    audit(
        action="endpoint.repin",
        request=request,
        actor=actor,
        target=endpoint,
        detail={"before": before, "after": fingerprint, "probe": probe.pk},
    )
    return endpoint
