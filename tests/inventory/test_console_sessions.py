"""Console history: read from fakepve's task log and vcsim's events at every sync, stored once,
checked (CON-005, CON-006), shown on the VM page and in the API, inside the user's scope."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.services.parameters import check_parameters_update
from inventory.connectors.records import ConsoleRead, ConsoleSessionRecord
from inventory.models import ConsoleHistory, ConsoleSession, VirtualMachine
from inventory.services.consoles import FIRST_READ, OVERLAP, console_since, store_consoles
from portal.models import ObjectScope
from simulators import vcsim as vcsim_harness
from simulators.endpoints import proxmox_endpoint, synced, vcenter_endpoint
from tests.compliance.e2e import open_finding, result, sync_and_check
from tests.factories import UserFactory

from .factories import ClusterFactory, EndpointFactory, VirtualMachineFactory

pytestmark = pytest.mark.django_db


def sessions_of(endpoint) -> set[tuple[str, str, str]]:
    return set(
        ConsoleSession.objects.filter(endpoint=endpoint).values_list(
            "vm_external_id", "user", "kind"
        )
    )


@pytest.mark.slow
def test_proxmox_console_tasks_are_stored_once_and_fail_con_005_and_con_006(fake_pve):
    # Registered, not yet synced: the first sync reads the history back 90 days; a later one
    # from where the last read ended (a task planted with an older start would not be read).
    endpoint = proxmox_endpoint(fake_pve, "pve-console", sync=False)
    node, far_node = (fake_pve.call(lambda v=v: fake_pve.pve.vm(v).node) for v in (100, 103))
    assert node != far_node
    now = int(time.time())

    def plant(*args, **kwargs) -> str:
        return fake_pve.call(fake_pve.pve.add_console_task, *args, **kwargs)

    upids = [plant(node, "vncproxy", 100, "alice@pve", now - age) for age in (3000, 2000, 1000)]
    plant(node, "termproxy", 101, "root@pam!ops", now - 500, running=True)  # still open
    plant(far_node, "spiceproxy", 103, "bob@pve", now - 200)
    plant(node, "vncshell", "", "root@pam", now - 100)  # the node's shell: no guest console
    plant(node, "qmstart", 100, "alice@pve", now - 100)  # no console
    fake_pve.call(fake_pve.pve.vm(100).config.__setitem__, "tags", "prod;network-managed")
    check_parameters_update(check_id="CON-005", values={"max_sessions": 2}, actor="test")

    run = sync_and_check(endpoint)
    vm = VirtualMachine.objects.get(endpoint=endpoint, vmid=100)
    other = VirtualMachine.objects.get(endpoint=endpoint, vmid=101)
    assert sessions_of(endpoint) == {
        ("qemu/100", "alice@pve", "vnc"),
        ("qemu/101", "root@pam!ops", "term"),
        ("qemu/103", "bob@pve", "spice"),
    }
    stored = ConsoleSession.objects.filter(endpoint=endpoint)
    assert stored.count() == 5
    assert set(stored.filter(vm=vm).values_list("source", flat=True)) == set(upids)
    first = stored.get(vm=vm, source=upids[0])
    assert first.started_at == dt.datetime.fromtimestamp(now - 3000, dt.UTC)
    assert first.vm_name == vm.name and first.vm_id == vm.pk

    finding = open_finding("CON-005", vm)
    assert finding.status == "fail"
    assert finding.object_external_id == "qemu/100"
    assert finding.object_path == f"pve-console › {vm.cluster.name} › {node} › {vm.name}"
    assert finding.evidence["count"] == 3 and finding.evidence["threshold"] == 2
    assert finding.evidence["users"] == {"alice@pve": 3}
    assert "last by alice@pve at " in finding.message
    assert open_finding("CON-006", vm).status == "fail"
    assert open_finding("CON-005", other) is None  # one console: within the limit
    assert result(run, "CON-006").not_applicable >= 5  # the untagged guests

    # A second sync reads the same span again (the overlap) and stores nothing twice.
    history = ConsoleHistory.objects.get(endpoint=endpoint)
    synced(endpoint)
    assert stored.count() == 5
    moved = ConsoleHistory.objects.get(endpoint=endpoint)
    assert moved.read_from == history.read_from and moved.read_until > history.read_until
    assert moved.last_error == ""
    # A console opened later comes with the next sync.
    plant(node, "vncproxy", 101, "carol@pve", int(time.time()))
    synced(endpoint)
    assert stored.count() == 6
    assert stored.filter(vm=other, user="carol@pve", kind="vnc").exists()


@pytest.mark.slow
def test_vcenter_console_ticket_events_are_stored_once_and_fail_con_005(fresh_vcsim):
    endpoint = vcenter_endpoint(fresh_vcsim, "vc-console", sync=False)
    vm_id, other_id = sorted(vcsim_harness.vm_ids(fresh_vcsim))[:2]
    for ticket in ("webmks", "webmks", "mks-event", "mks"):
        vcsim_harness.post_console_event(fresh_vcsim, vm_id, ticket)
    vcsim_harness.post_console_event(fresh_vcsim, other_id, "device")  # no console
    check_parameters_update(check_id="CON-005", values={"max_sessions": 3}, actor="test")

    sync_and_check(endpoint)
    vm = VirtualMachine.objects.get(endpoint=endpoint, external_id=vm_id)
    other = VirtualMachine.objects.get(endpoint=endpoint, external_id=other_id)
    stored = ConsoleSession.objects.filter(endpoint=endpoint)
    assert sorted(stored.values_list("kind", flat=True)) == ["mks", "mks", "webmks", "webmks"]
    assert set(stored.values_list("vm_id", "vm_external_id", "vm_name", "user")) == {
        (vm.pk, vm.external_id, vm.name, fresh_vcsim.username)
    }
    assert all(s.startswith("event-") for s in stored.values_list("source", flat=True))
    finding = open_finding("CON-005", vm)
    assert finding.status == "fail" and finding.object_external_id == vm.external_id
    assert finding.evidence["count"] == 4
    assert open_finding("CON-005", other) is None
    synced(endpoint)
    assert stored.count() == 4


def record(n: int, vm_external_id: str = "qemu/100") -> ConsoleSessionRecord:
    return ConsoleSessionRecord(
        vm_external_id=vm_external_id, vm_name="db01", user="alice@pve",
        started_at=timezone.now() - dt.timedelta(minutes=n), kind="vnc",
        source=f"UPID:pve1:{n:08X}:00000000:00000000:vncproxy:100:alice@pve:",
    )  # fmt: skip


def test_the_cursor_starts_back_the_first_read_and_moves_only_after_a_complete_read():
    endpoint = EndpointFactory(proxmox=True)
    now = timezone.now()
    assert console_since(endpoint, now) == now - FIRST_READ
    since = now - FIRST_READ
    partial = ConsoleRead(sessions=[record(1)], until=None, warnings=["node pve2 not read"])
    store_consoles(endpoint, since, partial, now)
    assert console_since(endpoint, now) == since  # asked again from the start
    history = ConsoleHistory.objects.get(endpoint=endpoint)
    assert history.last_error == "node pve2 not read" and history.read_until is None
    store_consoles(endpoint, since, ConsoleRead(sessions=[record(1)], until=now), now)
    assert console_since(endpoint, now) == now - OVERLAP
    assert ConsoleSession.objects.filter(endpoint=endpoint).count() == 1
    # A session of a VM the inventory does not (or no longer) hold keeps its name and id.
    store_consoles(endpoint, since, ConsoleRead(sessions=[record(2, "4711")], until=now), now)
    gone = ConsoleSession.objects.get(vm_external_id="4711")
    assert gone.vm_id is None and gone.vm_name == "db01"


def test_storing_sessions_takes_the_same_queries_for_few_and_many():
    endpoint = EndpointFactory(proxmox=True)
    VirtualMachineFactory(endpoint=endpoint, external_id="qemu/100")
    now = timezone.now()
    counts = []
    # One INSERT per batch: 500 rows on PostgreSQL, 111 on SQLite (its limit of 999 variables).
    for first, n in ((0, 3), (100, 100)):
        read = ConsoleRead(sessions=[record(first + i) for i in range(n)], until=now)
        with CaptureQueriesContext(connection) as queries:
            store_consoles(endpoint, now - FIRST_READ, read, now)
        counts.append(len(queries))
    assert ConsoleSession.objects.filter(endpoint=endpoint, vm__isnull=False).count() == 103
    assert counts[0] == counts[1], counts


@pytest.fixture
def two_endpoints():
    """A VM with console use on each of two endpoints (one with two clusters)."""
    made = {}
    for name in ("inside", "outside"):
        endpoint = EndpointFactory(proxmox=True, name=f"pve-{name}")
        cluster = ClusterFactory(endpoint=endpoint, name=f"{name}-cluster")
        vm = VirtualMachineFactory(
            endpoint=endpoint, cluster=cluster, name=f"{name}-vm", external_id="qemu/100"
        )
        ConsoleHistory.objects.create(
            endpoint=endpoint, read_from=timezone.now() - FIRST_READ, read_until=timezone.now()
        )
        ConsoleSession.objects.create(
            endpoint=endpoint, vm=vm, vm_external_id=vm.external_id, vm_name=vm.name,
            user=f"{name}-user@pve", started_at=timezone.now(), kind="vnc",
            source=f"UPID:pve1:0000000{len(made)}:00000000:00000000:vncproxy:100:x@pve:",
        )  # fmt: skip
        made[name] = vm
    return made


def test_the_vm_page_lists_who_opened_its_console_when(client_for, auditor, two_endpoints):
    vm = two_endpoints["inside"]
    body = client_for(auditor).get(f"/vms/{vm.pk}/").content.decode()
    assert "Console use (1)" in body
    assert "inside-user@pve" in body and "noVNC console" in body
    assert "UPID:pve1:00000000" in body
    assert "outside-user@pve" not in body  # another VM's
    unread = VirtualMachineFactory(endpoint=EndpointFactory(proxmox=True))
    body = client_for(auditor).get(f"/vms/{unread.pk}/").content.decode()
    assert "the console history of this endpoint has not been read yet" in body


def test_the_vm_page_takes_the_same_queries_for_few_and_many_sessions(client_for, auditor):
    vm = VirtualMachineFactory(endpoint=EndpointFactory(proxmox=True))
    ConsoleHistory.objects.create(endpoint=vm.endpoint, read_from=timezone.now(), read_until=None)
    client = client_for(auditor)
    counts = []
    for total in (2, 80):
        have = ConsoleSession.objects.filter(vm=vm).count()
        ConsoleSession.objects.bulk_create(
            ConsoleSession(
                endpoint=vm.endpoint,
                vm=vm,
                vm_external_id="qemu/100",
                user="a@pve",
                started_at=timezone.now(),
                kind="term",
                source=f"upid-{i}",
            )
            for i in range(have, total)
        )
        ConsoleHistory.objects.filter(endpoint=vm.endpoint).update(read_until=timezone.now())
        with CaptureQueriesContext(connection) as queries:
            answer = client.get(f"/vms/{vm.pk}/")
        assert answer.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert "The newest 50 are listed" in answer.content.decode()


def test_scoped_users_see_only_the_console_sessions_in_their_scope(api_for, two_endpoints):
    inside, outside = two_endpoints["inside"], two_endpoints["outside"]
    by_endpoint = UserFactory(username="scoped-admin", role="administrator")
    ObjectScope.objects.create(user=by_endpoint, endpoint=inside.endpoint)
    by_cluster = UserFactory(username="cluster-admin", role="administrator")
    ObjectScope.objects.create(user=by_cluster, cluster=inside.cluster)
    outside_session = ConsoleSession.objects.get(vm=outside)
    for user in (by_endpoint, by_cluster):
        api = api_for(user)
        listed = api.get("/api/console-sessions/").json()
        assert listed["count"] == 1
        assert [s["user"] for s in listed["results"]] == ["inside-user@pve"]
        assert api.get(f"/api/console-sessions/{outside_session.pk}/").status_code == 404
        assert api.get(f"/api/console-sessions/?vm={outside.pk}").json()["count"] == 0
        assert api.get(f"/vms/{outside.pk}/").status_code in (403, 404)


def test_the_api_filters_console_sessions_and_refuses_a_bad_value(api_for, auditor, two_endpoints):
    api = api_for(auditor)
    vm = two_endpoints["inside"]
    answer = api.get(f"/api/console-sessions/?vm={vm.pk}&kind=vnc&user=INSIDE").json()
    assert [s["vm_name"] for s in answer["results"]] == ["inside-vm"]
    assert answer["results"][0]["platform"] == vm.endpoint.kind
    bad = api.get("/api/console-sessions/?since=yesterday")
    assert bad.status_code == 400 and "since" in bad.json()["error"]["fields"]
    assert api.get("/api/console-sessions/?kind=telnet").status_code == 400
