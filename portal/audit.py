"""Writing the audit trail.

Every state change (from the browser, the API, a management command or a task), every login,
failed login and denied access calls :func:`audit`. Details are scrubbed of anything that looks
like a secret before they are stored, as a second line of defence: callers never pass secrets.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django.db import models

from .logcontext import current_request_id
from .models import AuditEvent
from .roles import role_of

log = logging.getLogger("portal.audit")

_SECRET_WORDS = ("password", "secret", "token", "passwd", "key", "ticket", "credential")


def scrub(detail: dict[str, Any] | None) -> dict[str, Any]:
    """Drop values whose key names a secret; recurse into nested dicts."""
    clean: dict[str, Any] = {}
    for key, value in (detail or {}).items():
        if any(word in key.lower() for word in _SECRET_WORDS):
            clean[key] = "[redacted]"
        elif isinstance(value, dict):
            clean[key] = scrub(value)
        else:
            clean[key] = value
    return clean


def client_address(request) -> str | None:
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def _source_of(request) -> str:
    if request is None:
        return AuditEvent.Source.COMMAND
    return AuditEvent.Source.API if request.path.startswith("/api/") else AuditEvent.Source.WEB


# What started a run (SyncRun/PolicyRun/CheckRun ``trigger``) -> where the audit says it came from.
_TRIGGER_SOURCES = {
    "web": AuditEvent.Source.WEB,
    "api": AuditEvent.Source.API,
    "command": AuditEvent.Source.COMMAND,
    "schedule": AuditEvent.Source.SCHEDULE,
}


def source_for_trigger(trigger: str) -> str:
    """The audit source of work started by ``trigger``; anything else ran as a task."""
    return _TRIGGER_SOURCES.get(trigger, AuditEvent.Source.TASK)


def audit_type(model: type[models.Model] | models.Model) -> str:
    """The ``target_type`` events about ``model`` carry: its label (``app.model``), or the name
    it keeps from before a move to another app (an ``audit_type`` attribute), so the stored
    trail and its readers go on naming it as they did."""
    return getattr(model, "audit_type", "") or model._meta.label_lower


def target_label(target: models.Model) -> str:
    """What a person reads for the target: the model's ``audit_label()`` if it has one.

    ``str()`` of many models is made for logs ("create snapshot #1 on 3"); ``audit_label``
    names things ("create snapshot 'before-patch' on VM web01 (vm-42) at vc1").
    """
    label = getattr(target, "audit_label", None)
    return label() if callable(label) else str(target)


def _plain(value: Any) -> Any:
    """A value as the trail stores it: JSON's own types as they are, anything else as text."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, models.Model):
        return target_label(value)
    return str(value)


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for each field whose value differs: the ``changes`` an
    event about an edit carries (the audit trail shows them as a diff). Fields whose name
    names a secret are redacted by :func:`scrub` like any other detail."""
    return {
        name: [_plain(before.get(name)), _plain(after.get(name))]
        for name in sorted(set(before) | set(after))
        if _plain(before.get(name)) != _plain(after.get(name))
    }


def audit(
    *,
    action: str,
    request=None,
    actor=None,
    source: str | None = None,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    target_repr: str = "",
    result: str = AuditEvent.Result.SUCCESS,
    detail: dict[str, Any] | None = None,
    address: str | None = None,
) -> AuditEvent:
    """Append one audit event. ``actor`` defaults to the request's user, ``address`` (the source
    address) to the request's."""
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    actor_name = ""
    if isinstance(actor, str):
        actor_name = actor
    elif actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = actor.get_username()
    if target is not None:
        target_type = target_type or audit_type(target)
        target_id = target_id or str(target.pk)
        target_repr = target_repr or target_label(target)[:255]
    request_id = getattr(request, "request_id", "") if request is not None else ""
    event = AuditEvent.objects.create(
        actor=actor_name,
        actor_role=role_of(actor) if actor is not None and not isinstance(actor, str) else "",
        source=source or _source_of(request),
        source_address=address or client_address(request),
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:64],
        target_repr=target_repr[:255],
        result=result,
        request_id=request_id or current_request_id.get(),
        detail=scrub(detail),
    )
    log.info("audit %s %s %s %s:%s", event.actor or "-", action, result, target_type, target_id)
    return event
