"""Inventory objects for security tests: two endpoints with a cluster each (ids for routes)."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.models import Cluster, Endpoint, Host, Snapshot, VirtualMachine

CANARY = "canary-s3cret-7f3a9c1e-do-not-leak"


@dataclass
class Estate:
    inside: Endpoint
    outside: Endpoint
    inside_cluster: Cluster
    outside_cluster: Cluster
    # Objects of the inside endpoint, so detail routes answer for a real object.
    host: Host | None = None
    vm: VirtualMachine | None = None
    snapshot: Snapshot | None = None


def make_estate(secret: str = CANARY) -> Estate:
    """Two endpoints (each with one cluster); the canary is the secret of both."""
    made = []
    for name in ("vc-inside", "vc-outside"):
        endpoint = Endpoint.objects.create(
            name=name,
            kind=Endpoint.Kind.VCENTER,
            url=f"https://{name}.example.org/sdk",
            username="svc-portal",
            secret=secret,
            fingerprint="ab" * 32,
        )
        cluster = Cluster.objects.create(
            endpoint=endpoint, external_id=f"c-{name}", name=f"{name}-c1"
        )
        made.append((endpoint, cluster))
    (inside, inside_cluster), (outside, outside_cluster) = made
    host = Host.objects.create(
        endpoint=inside, external_id="host-1", name="esx-1", cluster=inside_cluster
    )
    vm = VirtualMachine.objects.create(
        endpoint=inside, external_id="vm-1", name="app-1", host=host, cluster=inside_cluster,
        power_state="poweredOn",
    )  # fmt: skip
    snapshot = Snapshot.objects.create(endpoint=inside, external_id="snap-1", name="before", vm=vm)
    return Estate(inside, outside, inside_cluster, outside_cluster, host, vm, snapshot)
