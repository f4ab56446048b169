"""Change feeds: what changed on an endpoint since the last time the portal asked.

A platform with a change feed (vCenter's PropertyCollector) offers a :class:`ChangeFeed`; the
sync service asks it for a :class:`ChangeSet` and writes only that. A platform without one
(Proxmox VE) has no feed: :func:`get_change_feed` returns None and the caller reads the whole
inventory as before. Platform knowledge stays here: the services never ask which platform.

A feed lives in one logged-in session (the PropertyCollector's filter is a session object). It
keeps a copy of the properties it was told about, so that a change of one property rebuilds the
whole record of that object, and it falls back to a full read (``ChangeSet.full``) whenever it
cannot tell what changed: the first call, a lost version, a destroyed filter, a session that
ended.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from typing import Protocol

from .base import EndpointConfig, Progress, no_progress
from .records import ConsoleRead, Inventory

# The kinds a ChangeSet names removals of, as the sync service's kinds.
KINDS = ("clusters", "hosts", "datastores", "switches", "networks", "vms")
FIRST_READ = "first read"  # ChangeSet.reason of a feed's first (full) change set


@dataclass(slots=True)
class ChangeSet:
    """What changed since the previous change set of the same feed.

    ``full``: ``inv`` is the whole inventory (first read, or the feed lost track: ``reason``);
    the caller stores it like a full sync, absent-marking everything not in it.

    Otherwise ``inv`` holds the complete records of the objects that were created or changed
    (and only those), ``removed`` the external ids that left the endpoint per kind, and
    ``hosts_complete``/``vms_complete`` the hosts whose NICs, standard switches and port groups
    and the VMs whose snapshots are all in ``inv`` (any of theirs that are not are gone).
    Partial change sets carry no utilisation samples (see docs/architecture.md, "Incremental sync").
    """

    full: bool
    inv: Inventory = field(default_factory=Inventory)
    removed: dict[str, set[str]] = field(default_factory=lambda: {k: set() for k in KINDS})
    hosts_complete: set[str] = field(default_factory=set)
    vms_complete: set[str] = field(default_factory=set)
    # ``inv.accounts`` is every principal with its grants (read again on the feed's slower
    # cadence and found changed); otherwise a partial set carries no accounts.
    accounts_complete: bool = False
    reason: str = ""  # why a full read
    updates: int = 0  # object updates the platform reported

    @property
    def empty(self) -> bool:
        inv = self.inv
        return (
            not self.full
            and not any(self.removed.values())
            and not self.accounts_complete
            and not (
                inv.clusters
                or inv.hosts
                or inv.datastores
                or inv.switches
                or inv.networks
                or inv.vms
            )
        )

    def changed_ids(self) -> dict[str, set[str]]:
        """External ids of created or changed objects per kind (for targeted follow-up work)."""
        inv = self.inv
        return {
            "clusters": {c.external_id for c in inv.clusters},
            "hosts": {h.external_id for h in inv.hosts},
            "datastores": {d.external_id for d in inv.datastores},
            "switches": {s.external_id for s in inv.switches},
            "networks": {n.external_id for n in inv.networks},
            "vms": {v.external_id for v in inv.vms},
            "accounts": {a.key for a in inv.accounts},
        }


class ChangeFeed(Protocol):
    def changes(self, wait_seconds: float = 0, progress: Progress = no_progress) -> ChangeSet:
        """The changes since the previous call (the whole inventory on the first).

        ``wait_seconds`` > 0 waits up to that long for a first change (the watcher); 0 answers
        at once. Raises ConnectorError when the endpoint cannot be read at all.
        """
        ...

    def read_console_sessions(self, since: dt.datetime, inventory: Inventory) -> ConsoleRead:
        """The console history since ``since``, in the feed's session (as the connector's)."""
        ...

    def mark_unapplied(self) -> None:
        """The last change set was not stored: make the next one full (from the feed's copy
        of the properties, without reading everything again)."""
        ...

    def close(self) -> None:
        """Destroy the filter and log out. Never raises."""
        ...


# kind -> "module:Class" of its feed; platforms missing here have none.
_FEEDS = {"vcenter": "inventory.connectors.vcenter_changes:VCenterChangeFeed"}


def has_change_feed(kind: str) -> bool:
    return kind in _FEEDS


def get_change_feed(config: EndpointConfig) -> ChangeFeed | None:
    """A new (not yet connected) change feed for the endpoint, None if its platform has none."""
    target = _FEEDS.get(config.kind)
    if target is None:
        return None
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)(config)
