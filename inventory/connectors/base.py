"""The connector protocol: what the portal asks of a hypervisor platform.

A connector is built from an :class:`EndpointConfig` (plain values, the secret already
decrypted) and talks to exactly one endpoint. It raises :class:`ConnectorError` (or a
subclass) for everything that goes wrong, with a message fit for an operator; the caller
retries only errors that are not ``permanent``.

Adding a platform means one module in this package that implements :class:`Connector`, and
its traits (:mod:`inventory.connectors.traits`) registered in ``platforms.py``.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .records import ConsoleRead, Inventory, SnapshotRecord, TaskStatus


@dataclass(frozen=True, slots=True)
class EndpointConfig:
    name: str
    kind: str
    url: str  # https://host:port
    username: str = ""
    secret: str = field(default="", repr=False)
    token_id: str = ""  # Proxmox API token id (user@realm!name); empty = password login
    ca_pem: str = ""
    fingerprint: str = ""  # SHA-256, hex, any case, colons allowed
    timeout: float = 30.0
    # vSphere: the custom attribute backup products write the last backup's time into.
    backup_attribute: str = "Last Backup"


# Told what a read is at and how far: ``progress("VMs", 1200)`` (from the caller's thread).
Progress = Callable[[str, int], None]


def no_progress(what: str, done: int) -> None:
    """The default :data:`Progress`: nobody is watching."""


class ConnectorError(Exception):
    """An error talking to a hypervisor. ``permanent`` errors are not retried."""

    permanent = False

    def __init__(self, message: str, *, permanent: bool | None = None):
        super().__init__(message)
        if permanent is not None:
            self.permanent = permanent


class AuthenticationError(ConnectorError):
    permanent = True


class ObjectGoneError(ConnectorError):
    """The object asked for (VM, snapshot, task) no longer exists on the platform."""

    permanent = True


class TrustError(ConnectorError):
    """The server's certificate does not match the endpoint's CA or pinned fingerprint."""

    permanent = True


class Connector(Protocol):
    kind: str

    def __init__(self, config: EndpointConfig) -> None: ...

    def read_inventory(self, progress: Progress = no_progress) -> Inventory:
        """Read the whole inventory of the endpoint. Raises ConnectorError.

        ``progress`` is called now and then with what is being read and how many of it so far.
        """
        ...

    def close(self) -> None:
        """Release the session. Never raises."""
        ...

    def read_console_sessions(self, since: dt.datetime, inventory: Inventory) -> ConsoleRead:
        """Who opened which VM's console from ``since`` on (aware UTC), in the platform's history.

        ``inventory`` is the read just made (the VMs' names and ids, the nodes to ask). A part
        that cannot be read is a warning in the result and leaves ``until`` None, so the next
        read starts at ``since`` again; authentication and trust errors raise.
        """
        ...

    # Snapshot operations. Each call only submits: it returns the platform's task reference at
    # once (vCenter task moref ``task-12``, Proxmox UPID) and never waits for the work; the
    # reconciler follows the reference with :meth:`task_status`. Unknown objects raise a
    # permanent ConnectorError.

    def create_snapshot(
        self,
        vm_external_id: str,
        name: str,
        description: str = "",
        memory: bool = False,
        quiesce: bool = False,
        marker: str = "",
    ) -> str:
        """Start a snapshot of the VM; return the task reference.

        ``marker`` is the operation's unguessable token: the connector keeps it where
        :meth:`find_lost_snapshot` looks for it (vCenter: the description). A platform on which
        the name the portal chooses identifies the snapshot (Proxmox) does not need it.
        ``memory`` includes the RAM state; ``quiesce`` asks the guest tools to freeze the file
        systems (platforms that do this on their own accept and ignore it).
        """
        ...

    def delete_snapshot(self, snapshot_external_id: str) -> str:
        """Start deleting the snapshot (its children are kept); return the task reference."""
        ...

    def revert_snapshot(self, snapshot_external_id: str) -> str:
        """Start reverting the VM to the snapshot; return the task reference."""
        ...

    def task_status(self, ref: str, vm_external_id: str | None = None) -> TaskStatus:
        """The state of a task started above: queued, running, succeeded or failed.

        ``error`` carries the platform's message when it failed; ``result_external_id`` the
        object it produced where the platform tells (vCenter: the new snapshot's moref). A task
        the platform no longer knows raises a permanent ConnectorError. With
        ``vm_external_id``, a platform that can read the VM's snapshots in the same request
        (vCenter) puts them in ``snapshots``, for :meth:`created_snapshot`; others ignore it.
        """
        ...

    # Which snapshot is the operation's own. A snapshot is never adopted because its name or
    # description looks right: anyone with rights on the platform can plant one that does.

    def created_snapshot(
        self, vm_external_id: str, name: str, ref: str, status: TaskStatus
    ) -> SnapshotRecord | None:
        """The snapshot the create task ``ref`` made, now that ``status`` says it succeeded.

        Identified by what the platform returned (vCenter: the task's result, the snapshot's
        moref; Proxmox: the snapshot of that name, which PVE keeps unique per guest, taken no
        earlier than the task the UPID names started). None when there is no such snapshot.
        """
        ...

    def find_lost_snapshot(
        self, vm_external_id: str, name: str, marker: str, since: dt.datetime
    ) -> SnapshotRecord | None:
        """After a crash cut a create off before its task reference was stored: the snapshot
        that submit made, or None if it made none.

        Only a snapshot the platform ties to this connector's own submit at or after ``since``
        counts (vCenter: the one snapshot carrying ``marker``, taken since; Proxmox: the
        snapshot ``name`` taken by a snapshot task of this connector's own user started since).
        Raises a permanent ConnectorError when more than one qualifies: none is adopted then.
        """
        ...

    def snapshot_exists(self, vm_external_id: str, snapshot_external_id: str) -> bool:
        """Whether the VM still has the snapshot (a delete cut off by a crash may be done)."""
        ...

    def find_snapshot(self, vm_external_id: str, marker: str) -> SnapshotRecord | None:
        """The VM's snapshot named ``marker`` or (vCenter) whose description contains it; None
        if there is none. A lookup for people and tests, never proof that a snapshot is an
        operation's own. Pass ``marker`` positionally: implementations name it differently.
        """
        ...


# How far the portal's clock and a platform's may disagree when a lost submit's time is
# compared with the snapshot's (NTP keeps both far closer).
CLOCK_SKEW = dt.timedelta(minutes=5)


def get_connector(config: EndpointConfig) -> Connector:
    """Build the connector for ``config.kind``, named by the platform's traits (imported only
    now, so that only the connector in use loads its SDK)."""
    from .platforms import PLATFORMS

    try:
        dotted = PLATFORMS[config.kind].connector
    except KeyError:
        raise ConnectorError(f"unknown endpoint kind {config.kind!r}", permanent=True) from None
    module_name, _, class_name = dotted.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(config)
