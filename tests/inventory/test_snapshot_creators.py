"""Who made a snapshot: the portal's user for its own, the platform's task history for others."""

from __future__ import annotations

import time

import pytest

from inventory.models import Snapshot, VirtualMachine
from operations.services.operation_runner import operation_step
from operations.services.operations import snapshot_create
from tests.endpoints import proxmox_endpoint, synced, vcenter_endpoint
from tests.harness import vcsim as harness

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


def test_vcenter_names_the_maker_of_a_hand_made_snapshot_and_the_portal_keeps_its_own(
    fresh_vcsim, admin_user
):
    endpoint = vcenter_endpoint(fresh_vcsim, "vc-creators")
    vm, other = VirtualMachine.objects.filter(endpoint=endpoint).order_by("name")[:2]
    op = snapshot_create(vm=vm, name="through-portal", actor=admin_user)
    assert operation_step(op.pk) is None
    by_hand = harness.create_snapshot(fresh_vcsim, other.external_id, "by-hand")
    synced(endpoint)
    synced(endpoint)  # a second sync learns nothing new and forgets nothing
    creators = dict(Snapshot.objects.values_list("name", "created_by"))
    # The simulator names every task's user "vcsim"; the portal's own keeps the portal user.
    assert creators == {"through-portal": admin_user.username, "by-hand": "vcsim"}
    assert Snapshot.objects.get(external_id=by_hand).made_by_portal is False


def test_proxmox_names_the_maker_of_a_snapshot_from_the_node_task_log(fake_pve, admin_user):
    endpoint = proxmox_endpoint(fake_pve, "pve-creators")
    vm = VirtualMachine.objects.get(endpoint=endpoint, vmid=101)
    op = snapshot_create(vm=vm, name="through_portal", actor=admin_user)
    assert operation_step(op.pk) is None
    time.sleep(1.1)  # PVE's task log counts whole seconds; same-second tasks stay unattributed
    _by_hand(fake_pve, vm.host.name, 101, "by_hand")
    synced(endpoint)
    synced(endpoint)
    creators = dict(Snapshot.objects.filter(vm=vm).values_list("name", "created_by"))
    assert creators == {"through_portal": admin_user.username, "by_hand": fake_pve.username}
    # Guest 100's snapshots came with the fake, without a task: nobody is named for them.
    assert set(Snapshot.objects.filter(vm__vmid=100).values_list("created_by", flat=True)) == {""}


def _by_hand(fake, node: str, vmid: int, name: str) -> None:
    """Take a snapshot as an administrator would in PVE's web UI: password login, ticket."""
    session = fake.api_session()
    base = fake.url.rstrip("/") + "/api2/json"
    login = session.post(
        f"{base}/access/ticket",
        data={"username": fake.username, "password": fake.password},
        timeout=30,
    )
    login.raise_for_status()
    ticket = login.json()["data"]
    session.cookies.set("PVEAuthCookie", ticket["ticket"])
    made = session.post(
        f"{base}/nodes/{node}/qemu/{vmid}/snapshot",
        data={"snapname": name},
        headers={"CSRFPreventionToken": ticket["CSRFPreventionToken"]},
        timeout=30,
    )
    made.raise_for_status()
