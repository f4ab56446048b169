"""Configuration baselines (M 4.93): approve the current configuration, show what changed.

Four eyes: administrators change configurations on the platforms; only security officers
approve a configuration as the baseline (the pages and :func:`baselines_approve_many` refuse
anyone else), after reading the configuration itself and its field-by-field difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inventory.models import Host, VirtualMachine
from inventory.services.sync import host_config
from portal.audit import audit

from ..choices import ObjectType
from ..models import Baseline

MODELS = {ObjectType.HOST: Host, ObjectType.VM: VirtualMachine}


@dataclass(frozen=True, slots=True)
class Change:
    key: str  # dotted path, e.g. "extra_config.isolation.tools.copy.disable"
    kind: str  # added, removed, changed
    before: Any = None
    after: Any = None


def _item_names(items: list[Any]) -> list[str] | None:
    """Names for a list of records (VM NICs, disks) by their name or label, if unique."""
    if not items or not all(isinstance(i, dict) for i in items):
        return None
    for attribute in ("name", "label", "key"):
        names = [str(i.get(attribute) or "") for i in items]
        if all(names) and len(set(names)) == len(names):
            return names
    return None


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        flat: dict[str, Any] = {}
        for key, inner in value.items():
            flat.update(_flatten(inner, f"{prefix}.{key}" if prefix else str(key)))
        return flat or ({prefix: {}} if prefix else {})
    if isinstance(value, list) and (names := _item_names(value)) is not None:
        # "nics.Network adapter 1.start_connected", not the whole list as one changed value.
        return _flatten({f"[{n}]": item for n, item in zip(names, value, strict=True)}, prefix)
    return {prefix: value}


def config_diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    """Key-level differences between two configurations; nested dicts become dotted keys."""
    old, new = _flatten(before or {}), _flatten(after or {})
    changes = [Change(k, "removed", old[k], None) for k in old.keys() - new.keys()]
    changes += [Change(k, "added", None, new[k]) for k in new.keys() - old.keys()]
    changes += [
        Change(k, "changed", old[k], new[k]) for k in old.keys() & new.keys() if old[k] != new[k]
    ]
    return sorted(changes, key=lambda c: c.key)


def current_object(object_type: str, object_id: int):
    model = MODELS.get(object_type)
    if model is None:
        raise ValidationError(f"Baselines exist for hosts and VMs, not {object_type!r}.")
    try:
        return model.objects.get(pk=object_id)
    except model.DoesNotExist:
        raise ValidationError(f"There is no {object_type} with id {object_id}.") from None


@transaction.atomic
def baseline_approve(
    *, object_type: str, object_id: int, actor: Any, comment: str = "", request=None
) -> Baseline:
    """Approve the object's current configuration as its baseline; the previous one is superseded."""
    obj = current_object(object_type, object_id)
    if not obj.config_hash:
        raise ValidationError(f"{obj} has no synced configuration to approve yet; sync it first.")
    # The same definition the sync hashed (inventory.services.sync.host_config / the VM's config).
    config = current_config(obj)
    now = timezone.now()
    previous = (
        Baseline.objects.select_for_update()
        .filter(object_type=object_type, object_id=object_id, superseded_at__isnull=True)
        .first()
    )
    if previous is not None:
        previous.superseded_at = now
        previous.save(update_fields=["superseded_at"])
    baseline = Baseline.objects.create(
        endpoint_id=obj.endpoint_id,
        object_type=object_type,
        object_id=obj.pk,
        object_name=obj.name,
        config_hash=obj.config_hash,
        config=config,
        approved_by=actor.get_username() if hasattr(actor, "get_username") else str(actor),
        approved_at=now,
        comment=comment[:500],
    )
    diff = config_diff(previous.config, config) if previous else []
    audit(
        action="compliance.baseline.approve",
        request=request,
        actor=actor,
        target=baseline,
        detail={
            "object_type": object_type,
            "object": obj.name,
            "config_hash": obj.config_hash,
            "previous_hash": previous.config_hash if previous else None,
            # Each setting that differs from the superseded baseline: [before, after].
            "changes": {c.key: [c.before, c.after] for c in diff[:200]},
            "changed_settings": len(diff) if previous else None,
        },
    )
    return baseline


@transaction.atomic
def baselines_approve_many(
    *, objects: list[tuple[str, int]], actor: Any, comment: str = "", request=None
) -> list[Baseline]:
    """Approve the current configuration of many hosts and VMs at once (one audit event each).

    All or nothing: one object that cannot be approved (unknown, never synced) refuses the lot
    with its name, and nothing is written.
    """
    if not objects:
        raise ValidationError("Select the hosts and VMs whose configuration you approve.")
    return [
        baseline_approve(
            object_type=object_type,
            object_id=object_id,
            actor=actor,
            comment=comment,
            request=request,
        )
        for object_type, object_id in dict.fromkeys(objects)
    ]


def flat_config(config: dict[str, Any]) -> list[tuple[str, Any]]:
    """The configuration as (dotted key, value) rows, for people to read before approving."""
    return sorted(_flatten(config or {}).items())


def current_config(obj) -> dict[str, Any]:
    """What the object's config hash was made of: the VM's stored config, the host's settings."""
    return obj.config if isinstance(obj, VirtualMachine) else host_config(obj)
