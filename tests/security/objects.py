"""Inventory objects for security tests: two endpoints with a cluster each (ids for routes)."""

from __future__ import annotations

from dataclasses import dataclass

from inventory.models import Cluster, Endpoint

CANARY = "canary-s3cret-7f3a9c1e-do-not-leak"


@dataclass
class Estate:
    inside: Endpoint
    outside: Endpoint
    inside_cluster: Cluster
    outside_cluster: Cluster


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
    return Estate(inside, outside, inside_cluster, outside_cluster)
