"""Cheap resyncs: keep what a connector's read saw, so the next scheduled sync skips the reads
whose inputs did not change (issue 17, item 3).

A connector that can do this has a ``previous`` attribute and a ``read_state()`` method
(Proxmox VE: ``inventory/connectors/proxmox.py``; what it skips is described there). The sync
asks :func:`plan_read` before the read and :func:`keep_read_state` in the transaction that stores
the inventory, so the state in the database (:class:`~inventory.models.ReadState`) always
belongs to the stored inventory, survives worker restarts and serves every worker (one sync per
endpoint at a time: the claim).

A sync reads everything (``mode == "full"``) when:
- cheap resyncs are switched off (``INVENTORY_CHEAP_RESYNC=false``);
- a person asked for it (any trigger but ``schedule``), as with vCenter's incremental sync;
- there is no stored state, or its shape is not the connector's;
- the state was read through another address, or does not belong to the stored inventory (its
  ``written_at`` is not the endpoint's ``last_success_at``), or names other guests than the
  inventory holds (inconsistent: something else wrote the inventory);
- the safety net is due: ``INVENTORY_FULL_READ_EVERY`` syncs since the last full read (this one
  being the N-th), or ``INVENTORY_FULL_READ_HOURS`` hours.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from inventory.models import Endpoint, ReadState, VirtualMachine

FULL = "full"
CHEAP = "cheap"


@dataclass(slots=True)
class ReadPlan:
    """How this sync reads: ``mode`` full or cheap ("" for a connector without a read state),
    ``reason`` why it reads in full, ``row`` the stored state (None if there is none)."""

    mode: str
    reason: str = ""
    row: ReadState | None = None


def _source(endpoint: Endpoint) -> str:
    return hashlib.sha256(endpoint.url.encode()).hexdigest()


def plan_read(connector: Any, endpoint: Endpoint, trigger: str, now: dt.datetime) -> ReadPlan:
    """Decide full or cheap, and hand the stored state to the connector for a cheap read."""
    if not callable(getattr(connector, "read_state", None)):
        return ReadPlan(mode="")
    row = ReadState.objects.filter(endpoint_id=endpoint.pk).first()
    reason = _full_read_reason(connector, endpoint, trigger, now, row)
    connector.previous = None if reason else row.state  # type: ignore[union-attr]
    return ReadPlan(mode=FULL if reason else CHEAP, reason=reason, row=row)


def _full_read_reason(
    connector: Any, endpoint: Endpoint, trigger: str, now: dt.datetime, row: ReadState | None
) -> str:
    if not settings.INVENTORY_CHEAP_RESYNC:
        return "cheap resyncs are switched off (INVENTORY_CHEAP_RESYNC)"
    if trigger != "schedule":
        return f"asked for ({trigger}), not scheduled"
    if row is None or not connector.usable_state(row.state):
        return "no stored read state"
    if row.source != _source(endpoint):
        return "the endpoint's address changed since the stored read state"
    last_success = (
        Endpoint.objects.filter(pk=endpoint.pk).values_list("last_success_at", flat=True).first()
    )
    if last_success != row.written_at:
        return "the stored read state does not belong to the stored inventory"
    every, hours = settings.INVENTORY_FULL_READ_EVERY, settings.INVENTORY_FULL_READ_HOURS
    if row.cheap_reads + 1 >= every:
        return f"full read due (every {every} syncs)"
    if now - row.full_read_at >= dt.timedelta(hours=hours):
        return f"full read due (every {hours} hours)"
    present = set(
        VirtualMachine.objects.present()
        .filter(endpoint_id=endpoint.pk)
        .values_list("external_id", flat=True)
    )
    if present != set(row.state["guests"]):
        return "the stored read state names other guests than the stored inventory"
    return ""


def keep_read_state(
    plan: ReadPlan, connector: Any, endpoint: Endpoint, written_at: dt.datetime
) -> None:
    """Store what the read saw, with the time the sync stores as ``last_success_at``.

    Call in the transaction that stores the inventory.
    """
    if not plan.mode:
        return
    full = plan.mode == FULL or plan.row is None
    ReadState.objects.update_or_create(
        endpoint_id=endpoint.pk,
        defaults={
            "state": connector.read_state(),
            "source": _source(endpoint),
            "written_at": written_at,
            "full_read_at": written_at if full else plan.row.full_read_at,  # type: ignore[union-attr]
            "cheap_reads": 0 if full else plan.row.cheap_reads + 1,  # type: ignore[union-attr]
        },
    )
