"""Sync of vSphere tags (vAPI of govmomi's simulator) into the inventory: stored, flat, honest."""

from __future__ import annotations

import pytest

from inventory.models import SyncRun, VirtualMachine
from inventory.services.sync import sync_endpoint
from simulators import vcsim as sim_api
from simulators.vcsim import RunningVcsim, VcsimSpec

from .test_sync_vcenter import BULK_WRITE_QUERIES, register, sync_queries

pytestmark = pytest.mark.django_db


def test_the_sync_stores_each_vms_tags_as_category_and_tag(fresh_vcsim):
    first, second = sim_api.vm_ids(fresh_vcsim)[:2]
    sim_api.tag_vms(fresh_vcsim, "Umgebung", "prod", [first, second])
    sim_api.tag_vms(fresh_vcsim, "Schutzbedarf", "hoch", [first])
    endpoint = register(fresh_vcsim)
    run = sync_endpoint(endpoint, trigger="command")
    assert run.status == SyncRun.Status.SUCCEEDED, run.error
    assert run.warnings == []
    tags = dict(VirtualMachine.objects.values_list("external_id", "tags"))
    assert tags[first] == ["Schutzbedarf:hoch", "Umgebung:prod"]
    assert tags[second] == ["Umgebung:prod"]
    assert sum(1 for t in tags.values() if not t) == len(tags) - 2
    assert all(VirtualMachine.objects.values_list("tags_known", flat=True))


def _tagged_sync_queries(vms_per_pool: int) -> int:
    spec = VcsimSpec(clusters=1, cluster_hosts=2, standalone_hosts=0, vms_per_pool=vms_per_pool)
    with RunningVcsim(spec) as sim:
        vms = sim_api.vm_ids(sim)
        sim_api.tag_vms(sim, "Umgebung", "prod", vms)
        sim_api.tag_vms(sim, "Schutzbedarf", "hoch", vms[::2])
        endpoint = register(sim, name=f"vc-tags-{vms_per_pool}")
        queries = sync_queries(endpoint)
        stored = VirtualMachine.objects.filter(endpoint=endpoint)
        assert stored.count() == vms_per_pool
        assert all("Umgebung:prod" in t for t in stored.values_list("tags", flat=True))
        return queries


@BULK_WRITE_QUERIES
def test_a_sync_with_tags_makes_the_same_queries_for_10_and_200_tagged_vms(progress_clock):
    assert _tagged_sync_queries(10) == _tagged_sync_queries(200)
