"""The platforms the portal knows: each one's traits, by ``Endpoint.kind``.

Adding a platform means its connector module, its traits module and one line here. Nothing in
this module or the traits imports an SDK; :func:`inventory.connectors.base.get_connector`
imports the connector named by the traits only when a connection is made.
"""

from __future__ import annotations

from functools import cache

from .proxmox_traits import TRAITS as PROXMOX
from .traits import GOOD, NEUTRAL, PlatformTraits
from .vcenter_traits import TRAITS as VCENTER

PLATFORMS: dict[str, PlatformTraits] = {t.kind: t for t in (VCENTER, PROXMOX)}


class UnknownPlatform(KeyError):
    pass


def traits_for(kind: str) -> PlatformTraits:
    """The traits of the platform ``kind`` (an ``Endpoint.kind``)."""
    try:
        return PLATFORMS[kind]
    except KeyError:
        raise UnknownPlatform(f"unknown platform {kind!r}") from None


def all_traits() -> tuple[PlatformTraits, ...]:
    return tuple(PLATFORMS.values())


def platform_label(kind: str) -> str:
    """The platform's short name for people; an unknown kind as it is."""
    traits = PLATFORMS.get(kind)
    return str(traits.label) if traits else kind


def state_label(value: str | None) -> str | None:
    """The label of a state value on whichever platform reports it; None if none does."""
    for traits in PLATFORMS.values():
        state = traits.states().get(value or "")
        if state is not None:
            return str(state.label)
    return None


def state_tone(kind: str, value: str | None) -> str:
    traits = PLATFORMS.get(kind)
    return traits.state_tone(value) if traits else NEUTRAL


def state_choices(group: str) -> list[tuple[str, str]]:
    """Filter choices of one state group (``vm_power_states``, ``host_connection_states``, ...)
    over every platform, each value once, labelled with the platform that uses it."""
    from django.utils.text import format_lazy

    return [
        (s.value, format_lazy("{} ({})", s.label, traits.label))
        for traits in PLATFORMS.values()
        for s in getattr(traits, group)
    ]


@cache
def running_power_states() -> tuple[str, ...]:
    """Every platform's power states of a running VM (``running=true`` spans the platforms)."""
    return tuple(s.value for t in PLATFORMS.values() for s in t.vm_power_states if s.tone == GOOD)
