"""Register a simulator as an endpoint, as an administrator would, and sync it once."""

from __future__ import annotations

from inventory.models import Endpoint
from inventory.services.endpoints import endpoint_create
from inventory.services.sync import sync_endpoint


def synced(endpoint: Endpoint) -> Endpoint:
    run = sync_endpoint(endpoint, trigger="command")
    assert run.status == "succeeded", run.error
    return endpoint


def vcenter_endpoint(sim, name: str = "vc", sync: bool = True) -> Endpoint:
    """``sim``: a running vCenter simulator (tests.harness.vcsim.RunningVcsim)."""
    endpoint = endpoint_create(
        name=name,
        kind="vcenter",
        url=sim.url,
        username=sim.username,
        secret=sim.password,
        fingerprint=sim.fingerprint,
        actor="test",
    )
    return synced(endpoint) if sync else endpoint


def proxmox_endpoint(fake, name: str = "pve", sync: bool = True) -> Endpoint:
    """``fake``: a running fakepve (tests.harness.fakepve.RunningFakePve), by API token."""
    endpoint = endpoint_create(
        name=name,
        kind="proxmox",
        url=fake.url,
        token_id=fake.token_id,
        secret=fake.token_secret,
        fingerprint=fake.fingerprint,
        actor="test",
    )
    return synced(endpoint) if sync else endpoint
