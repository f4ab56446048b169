"""A running simulator as an endpoint: registered as an administrator would and synced once, or
as the plain connector configuration the connector tests use."""

from __future__ import annotations

from typing import Any

from inventory.connectors.base import EndpointConfig
from inventory.models import Endpoint
from inventory.services.endpoints import endpoint_create
from inventory.services.sync import sync_endpoint


def synced(endpoint: Endpoint) -> Endpoint:
    run = sync_endpoint(endpoint, trigger="command")
    assert run.status == "succeeded", run.error
    return endpoint


def _register(name: str, kind: str, sim, sync: bool, **credentials: str) -> Endpoint:
    endpoint = endpoint_create(
        name=name, kind=kind, url=sim.url, fingerprint=sim.fingerprint, actor="test", **credentials
    )
    return synced(endpoint) if sync else endpoint


def vcenter_endpoint(sim, name: str = "vc", sync: bool = True) -> Endpoint:
    """``sim``: a running vCenter simulator (simulators.vcsim.RunningVcsim)."""
    return _register(name, "vcenter", sim, sync, username=sim.username, secret=sim.password)


def proxmox_endpoint(fake, name: str = "pve", sync: bool = True) -> Endpoint:
    """``fake``: a running fakepve (simulators.fakepve.RunningFakePve), by API token."""
    return _register(name, "proxmox", fake, sync, token_id=fake.token_id, secret=fake.token_secret)


def simulator_config(sim, kind: str, **values: Any) -> EndpointConfig:
    """A connector configuration for ``sim``: ``values`` (credentials, trust, overrides) over a
    default name, the simulator's URL and a 5-second timeout."""
    name = {"vcenter": "vc", "proxmox": "pve"}[kind]
    return EndpointConfig(**{"name": name, "kind": kind, "url": sim.url, "timeout": 5.0, **values})
