"""Owner and expiry of snapshots, set by an administrator for one or many (audited each).

The expiry deletes only snapshots the portal made (:mod:`operations.services.expiry`), so an
expiry is refused for any other: the page would promise a deletion that never comes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from inventory.models import Snapshot
from operations.models import ExpiryNotice
from portal.audit import audit


def governance_problems(
    snapshots: Sequence[Snapshot], *, expires_at: dt.datetime | None
) -> list[str]:
    """Why owner and expiry cannot be set on these snapshots: one sentence per snapshot."""
    problems = []
    for s in snapshots:
        if s.absent_since is not None:
            problems.append(f"snapshot {s.name} of {s.vm.name} no longer exists")
        elif expires_at is not None and not s.made_by_portal:
            problems.append(
                f"snapshot {s.name} of {s.vm.name} was not made in the portal: an expiry "
                "deletes only the portal's snapshots"
            )
    return problems


@transaction.atomic
def snapshots_govern(
    *,
    snapshots: Sequence[Snapshot],
    actor: Any,
    owner: Any = None,
    expires_at: dt.datetime | None = None,
    request: Any = None,
) -> int:
    """Set ``owner`` and/or ``expires_at`` (None: unchanged) on every snapshot, or on none.

    Each change is audited on its snapshot with the values before and after. A changed expiry
    drops the notice given for the old one, so the new expiry is announced again.
    """
    errors: dict[str, list[str]] = {}
    if owner is None and expires_at is None:
        errors["owner"] = ["Choose an owner or an expiry (or both)."]
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = ["The expiry lies in the past; give a time in the future."]
    if not snapshots:
        errors["snapshots"] = ["Select at least one snapshot."]
    problems = governance_problems(snapshots, expires_at=expires_at)
    if problems:
        errors.setdefault("snapshots", []).extend(problems)
    if errors:
        raise ValidationError(errors)
    for s in snapshots:
        before = {
            "owner": s.owner.get_username() if s.owner_id else "",
            "expires_at": s.expires_at.isoformat() if s.expires_at else None,
        }
        fields = []
        if owner is not None:
            s.owner = owner
            fields.append("owner")
        if expires_at is not None:
            if s.expires_at != expires_at:
                ExpiryNotice.objects.filter(snapshot=s).delete()
            s.expires_at = expires_at
            fields.append("expires_at")
        s.save(update_fields=fields)
        audit(
            action="snapshot.governance.change",
            request=request,
            actor=actor,
            target=s,
            detail={
                "vm": s.vm.name,
                "before": before,
                "after": {
                    "owner": s.owner.get_username() if s.owner_id else "",
                    "expires_at": s.expires_at.isoformat() if s.expires_at else None,
                },
            },
        )
    return len(snapshots)
