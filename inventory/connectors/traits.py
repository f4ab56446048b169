"""Platform traits: what the portal knows about a platform without talking to it.

A connector (``vcenter.py``, ``proxmox.py``) talks to a platform through its SDK; its traits
(``vcenter_traits.py``, ``proxmox_traits.py``) are the facts the rest of the portal needs about
that platform when no connection is open: how it names and labels states and which of them are
good or bad, which snapshot names it accepts, whether it keeps snapshot names unique, how the
compliance checks read the settings it reports. Traits modules import no SDK, so pages, services
and checks ask them (:func:`inventory.connectors.platforms.traits_for`) instead of branching on
the platform's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# How a state reads on a badge: ``ok`` (good), ``bad`` or ``na`` (neither).
GOOD, BAD, NEUTRAL = "ok", "bad", "na"


@dataclass(frozen=True, slots=True)
class State:
    """A state as the platform reports it (``poweredOn``), its label for people and its tone."""

    value: str
    label: Any  # a lazy translation
    tone: str = NEUTRAL


class SnapshotNameError(ValueError):
    """A snapshot name the platform would refuse; the message says what to change."""


class PlatformTraits:
    """The facts about one platform; one subclass and one instance per platform."""

    kind: str  # Endpoint.kind, e.g. "vcenter"
    label: Any  # short, for badges and filter choices ("vCenter")
    long_label: str  # Endpoint.Kind's label ("VMware vCenter / ESXi")
    connector: str  # dotted path of the Connector class (imported only when used)

    # Login: whether the platform knows API tokens (a token id instead of a user name).
    api_tokens: bool = False

    # States as the platform reports them, for VMs (power) and hosts (power, connection).
    vm_power_states: tuple[State, ...] = ()
    host_power_states: tuple[State, ...] = ()
    host_connection_states: tuple[State, ...] = ()
    # ``tools_state`` values meaning the guest agent runs (lower case, no spaces).
    tools_running_states: frozenset[str] = frozenset()
    # Words for the other values the platform reports (guest tools, lockdown mode), so that a
    # page or a finding message never shows a platform's raw value (``guestToolsNotRunning``).
    tools_states: tuple[State, ...] = ()
    lockdown_modes: tuple[State, ...] = ()

    # Snapshot names: the longest the platform takes, and for the browser the pattern (HTML
    # ``pattern`` attribute, "" for none) and the hint shown when it does not match.
    snapshot_name_max: int = 80
    snapshot_name_pattern: str = ""
    snapshot_name_hint: Any = ""
    # Whether the platform keeps snapshot names unique per VM (a second one is refused); the
    # name then identifies the snapshot an operation made, and the portal refuses a duplicate
    # before queueing. Otherwise the connector marks the snapshot with the operation's token.
    snapshot_names_unique: bool = False
    # What ties a snapshot to the create operation that made it, in words (the audit event of
    # an operation that adopted its snapshot after a crash names it).
    snapshot_identity: str = ""

    # How the compliance checks read this platform's settings.
    page_sharing: str = ""  # "salting" (ESXi Mem.ShareForceSalting) or "ksm" (Linux KSM)
    reports_ntp_servers: bool = True  # False: only the time service is reported
    console_clipboard: str = ""  # "isolation_keys" (vmx options) or "vga_option"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.kind}>"

    def __str__(self) -> str:
        return self.kind

    # ---------------------------------------------------------------- states

    def states(self) -> dict[str, State]:
        """Every state this platform reports, by value."""
        groups = (
            self.vm_power_states,
            self.host_power_states,
            self.host_connection_states,
            self.tools_states,
            self.lockdown_modes,
        )
        return {s.value: s for group in groups for s in group}

    def state_tone(self, value: str | None) -> str:
        state = self.states().get(value or "")
        return state.tone if state else NEUTRAL

    def is_running(self, power_state: str | None) -> bool:
        """Whether a VM in ``power_state`` runs."""
        return any(s.value == power_state and s.tone == GOOD for s in self.vm_power_states)

    def is_connected(self, connection_state: str | None) -> bool:
        """Whether a host in ``connection_state`` is reachable (its settings were read)."""
        value = (connection_state or "").lower()
        return any(s.value.lower() == value and s.tone == GOOD for s in self.host_connection_states)

    def tools_running(self, tools_state: str | None) -> bool:
        return (tools_state or "").replace(" ", "").lower() in self.tools_running_states

    # ---------------------------------------------------------------- snapshot names

    def clean_snapshot_name(self, name: str) -> str:
        """The name to use, or :class:`SnapshotNameError` saying what the platform refuses."""
        raise NotImplementedError
