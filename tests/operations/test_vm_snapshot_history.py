"""A VM's page lists its snapshot history (issue 16 item 8): the operations app fills inventory's
"vm_sections" slot with the VM's snapshot operations, newest first (kind, snapshot name, state,
who, when, a link to each), the newest 20 and a link to all of them; a host's page links the
operations of its VMs, and that list holds no other host's and nothing outside the scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from operations.models import Operation
from portal.security.models import ObjectScope
from tests.factories import UserFactory
from tests.inventory.factories import (
    HostFactory,
    SnapshotFactory,
    VirtualMachineFactory,
    vms_inside_and_outside,
)

pytestmark = pytest.mark.django_db


def _operation(vm, kind: str, minutes_ago: int, **fields) -> Operation:
    return Operation.objects.create(
        kind=kind,
        vm=vm,
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        requested_by_name=fields.pop("who", "alice-admin"),
        state=fields.pop("state", "succeeded"),
        **fields,
    )


def _section(body: str) -> str:
    section = body[body.index('id="snapshot-history-heading"') :]
    return section[: section.index("</section>")]


def test_the_vm_page_lists_its_snapshot_operations_newest_first(auditor, client_for):
    vm = VirtualMachineFactory(name="web01")
    snapshot = SnapshotFactory(endpoint=vm.endpoint, vm=vm, name="before-patch")
    made = _operation(vm, "create", 30, snapshot=snapshot, params={"name": "before-patch"})
    reverted = _operation(vm, "revert", 20, snapshot=snapshot, who="bob-admin")
    # A deleted snapshot's row is gone; its name stays in the operation's params.
    deleted = _operation(vm, "delete", 10, params={"name": "old-one"}, state="failed")
    other = _operation(VirtualMachineFactory(endpoint=vm.endpoint), "create", 5)

    section = _section(client_for(auditor).get(f"/vms/{vm.pk}/").content.decode())
    rows = [f'href="/operations/{op.pk}/"' for op in (deleted, reverted, made)]
    assert all(row in section for row in rows)
    assert section.index(rows[0]) < section.index(rows[1]) < section.index(rows[2])
    assert f'href="/operations/{other.pk}/"' not in section
    for text in ("delete snapshot", "revert to snapshot", "create snapshot", "old-one",
                 "before-patch", "bob-admin", "alice-admin", "badge op-state bad"):  # fmt: skip
        assert text in section
    assert f'href="/operations/?vm={vm.pk}"' in section
    assert "are listed" not in section


def test_the_history_shows_the_newest_twenty(auditor, client_for):
    vm = VirtualMachineFactory()
    ops = [_operation(vm, "create", 100 - i, params={"name": f"s{i}"}) for i in range(21)]
    section = _section(client_for(auditor).get(f"/vms/{vm.pk}/").content.decode())
    assert f'href="/operations/{ops[0].pk}/"' not in section  # the oldest
    assert all(f'href="/operations/{op.pk}/"' in section for op in ops[1:])
    assert "The newest 20 are listed." in section


def test_a_vm_without_operations_says_so(auditor, client_for):
    vm = VirtualMachineFactory()
    section = _section(client_for(auditor).get(f"/vms/{vm.pk}/").content.decode())
    assert "No snapshot operation on this VM yet." in section


def test_the_host_page_links_its_vms_operations(auditor, client_for):
    host = HostFactory()
    mine = _operation(VirtualMachineFactory(endpoint=host.endpoint, host=host), "create", 5)
    elsewhere = _operation(VirtualMachineFactory(endpoint=host.endpoint), "create", 5)
    client = client_for(auditor)
    assert (
        f'href="/operations/?host={host.pk}"' in client.get(f"/hosts/{host.pk}/").content.decode()
    )
    listed = client.get(f"/operations/?host={host.pk}").content.decode()
    assert f'href="/operations/{mine.pk}/"' in listed
    assert f'href="/operations/{elsewhere.pk}/"' not in listed
    assert f'name="host" value="{host.pk}"' in listed  # the filter form keeps it


def test_a_scoped_user_gets_nothing_outside_its_scope_by_host(client_for):
    inside, outside, (_web, _db, far) = vms_inside_and_outside()
    far_host = HostFactory(endpoint=outside)
    far.host = far_host
    far.save(update_fields=["host"])
    hidden = _operation(far, "create", 5)
    scoped = UserFactory(username="scoped-admin", role="administrator")
    ObjectScope.objects.create(user=scoped, endpoint=inside)
    client = client_for(scoped)
    assert client.get(f"/hosts/{far_host.pk}/").status_code == 404
    listed = client.get(f"/operations/?host={far_host.pk}").content.decode()
    assert f'href="/operations/{hidden.pk}/"' not in listed and "far-vm-zq" not in listed


def test_the_history_in_german(auditor, client_for):
    vm = VirtualMachineFactory()
    body = client_for(auditor).get(f"/vms/{vm.pk}/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Snapshot-Verlauf" in body and "Alle Snapshot-Vorgänge dieser VM" in body
