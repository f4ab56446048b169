"""End to end on fakepve: PRO-001. A VM tagged through PVE's API into a target object with a
higher protection need than its node's is a finding naming VM and node; untagged, it is fixed.

Tags are what Proxmox VE gives a guest (``PUT /nodes/{node}/qemu/{vmid}/config tags=...``); the
connector reads them from ``/cluster/resources`` and a tag target selects by them.
"""

from __future__ import annotations

import pytest

from compliance.services.assessments import target_create
from inventory.models import VirtualMachine
from simulators.endpoints import proxmox_endpoint

from .e2e import open_finding, sync_and_check
from .test_end_to_end_proxmox import PveApi

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_a_vm_tagged_above_its_nodes_protection_need_opens_pro_001_and_untagged_fixes_it(
    fake_pve, officer
):
    endpoint = proxmox_endpoint(fake_pve, "pve-need", sync=False)
    api = PveApi(fake_pve)
    sync_and_check(endpoint)
    vm = VirtualMachine.objects.filter(endpoint=endpoint, kind="qemu").order_by("vmid").first()
    node = vm.host
    target_create(kind="endpoint", endpoint=endpoint, needs={"integrity": "high"}, actor=officer)
    target_create(
        kind="tag", tag="pci", endpoint=endpoint, needs={"confidentiality": "very_high"},
        actor=officer,
    )  # fmt: skip
    sync_and_check(endpoint)
    assert open_finding("PRO-001", vm) is None  # nothing tagged pci yet

    config = f"/nodes/{node.name}/qemu/{vm.vmid}/config"
    api.call("PUT", config, tags="pci;prod")
    sync_and_check(endpoint)
    vm.refresh_from_db()
    assert "pci" in vm.tags
    finding = open_finding("PRO-001", vm)
    assert finding is not None and finding.status == "fail"
    assert vm.name in finding.message and node.name in finding.message
    assert finding.object_external_id == vm.external_id == f"qemu/{vm.vmid}"
    evidence = finding.evidence
    assert evidence["host"]["external_id"] == node.external_id
    assert evidence["host"]["path"].endswith(f"› {node.name}")
    assert evidence["vm"]["path"].endswith(f"{node.name} › {vm.name}")
    assert evidence["vm_need"] == {
        "confidentiality": "very_high", "integrity": "high", "availability": "normal"
    }  # fmt: skip
    assert evidence["host_need"]["confidentiality"] == "normal"
    assert evidence["higher"] == ["confidentiality"]

    api.call("PUT", config, tags="prod")
    sync_and_check(endpoint)
    finding.refresh_from_db()
    assert finding.resolved_at is not None and finding.resolution == "fixed"
