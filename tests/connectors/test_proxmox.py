"""ProxmoxConnector against fakepve over real HTTPS (see simulators/fakepve.py)."""
# ruff: noqa: F811  (pytest fixtures imported by name, then used as parameters)

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from inventory.connectors import proxmox as proxmox_module
from inventory.connectors.base import (
    AuthenticationError,
    ConnectorError,
    EndpointConfig,
    TrustError,
)
from inventory.connectors.proxmox import ProxmoxConnector
from simulators.endpoints import simulator_config
from simulators.fakepve import FakeSpec, RunningFakePve
from tests.harness.fakepve_fixtures import fake_pve, pytest_configure  # noqa: F401

pytestmark = pytest.mark.filterwarnings("error::urllib3.exceptions.InsecureRequestWarning")


def token_config(fake: RunningFakePve, **kw: Any) -> EndpointConfig:
    trust = {"token_id": fake.token_id, "secret": fake.token_secret, "ca_pem": fake.ca_pem}
    return simulator_config(fake, "proxmox", **{**trust, **kw})


def password_config(fake: RunningFakePve, **kw: Any) -> EndpointConfig:
    trust = {"username": fake.username, "secret": fake.password, "fingerprint": fake.fingerprint}
    return simulator_config(fake, "proxmox", **{**trust, **kw})


def fake_counts(fake: RunningFakePve) -> dict[str, int]:
    def count() -> dict[str, int]:
        pve = fake.pve
        guests = list(pve.vms) + list(pve.cts)
        storages = 0
        for name, store in pve.storages.items():
            storages += 1 if store.get("shared") else len(pve._storage_nodes(name))
        return {
            "nodes": len(pve.nodes),
            "vms": len(pve.vms),
            "cts": len(pve.cts),
            "storages": storages,
            "snapshots": sum(len(g.snapshots) for g in guests),
        }

    return fake.call(count)


def read(config: EndpointConfig):
    connector = ProxmoxConnector(config)
    try:
        return connector.read_inventory()
    finally:
        connector.close()


# ------------------------------------------------------------------------------------ reading


def test_a_token_read_finds_every_node_guest_storage_and_snapshot_the_fake_holds(fake_pve):
    inv = read(token_config(fake_pve))
    expected = fake_counts(fake_pve)
    assert len(inv.hosts) == expected["nodes"] == 2
    assert sum(v.kind == "qemu" for v in inv.vms) == expected["vms"]
    assert sum(v.kind == "lxc" for v in inv.vms) == expected["cts"]
    assert len(inv.datastores) == expected["storages"]
    assert len(inv.snapshots) == expected["snapshots"] > 0
    assert inv.warnings == []


def test_the_records_carry_what_the_checks_need(fake_pve):
    inv = read(token_config(fake_pve))
    (cluster,) = inv.clusters
    assert (cluster.external_id, cluster.name, cluster.quorate) == ("cluster/lab", "lab", True)
    host = next(h for h in inv.hosts if h.name == "pve1")
    assert (host.external_id, host.connection_state, host.version) == (
        "node/pve1",
        "online",
        "9.0.10",
    )
    assert host.cpu_cores == 16 and host.cpu_threads == 32 and host.timezone == "Europe/Berlin"
    assert {s.key for s in host.services} == {"ssh", "ntp", "firewall"}
    assert host.management_addresses[0] == "192.0.2.11"
    assert any(s.uplinks == ["eno1"] for s in inv.switches if s.host_external_id == "node/pve1")
    vm = next(v for v in inv.vms if v.external_id == "qemu/100")
    assert vm.vmid == 100 and vm.host_external_id == "node/pve1" and vm.vcpus == 2
    assert vm.memory_bytes == 2048 * 1024**2 and vm.tools_state == "running"
    assert vm.passthrough_devices == ["usb0"] and vm.extra_config["vga.clipboard"] == "vnc"
    assert vm.nics[0].network == "vmbr0" and vm.nics[0].vlan_id == 10 and vm.nics[0].firewall
    assert vm.datastore_external_ids == ["storage/pve1/local-lvm"]
    assert vm.config_version and "digest" not in vm.config
    ct = next(v for v in inv.vms if v.kind == "lxc")
    assert ct.external_id == f"lxc/{ct.vmid}" and ct.disks[0]["key"] == "rootfs"
    shared = next(d for d in inv.datastores if d.name == "nfs-shared")
    assert shared.external_id == "storage/nfs-shared"
    assert shared.host_external_ids == ["node/pve1", "node/pve2"]
    snaps = {s.external_id: s for s in inv.snapshots if s.vm_external_id == "qemu/100"}
    assert set(snaps) == {"qemu/100/snap1", "qemu/100/snap2"}
    assert snaps["qemu/100/snap2"].current and not snaps["qemu/100/snap1"].current
    assert snaps["qemu/100/snap2"].parent_external_id == "qemu/100/snap1"
    assert snaps["qemu/100/snap2"].with_memory is True
    accounts = {a.userid: a for a in inv.accounts}
    assert accounts["admin@pve"].two_factor and not accounts["auditor@pve"].two_factor
    assert accounts["admin@pve"].roles == ["/:Administrator"]
    assert accounts["old@pve"].enabled is False
    host_sample = next(s for s in inv.samples if s.external_id == "node/pve1")
    assert host_sample.net_rx_bps == 1000.0  # the newest RRD point that has data
    vm_sample = next(s for s in inv.samples if s.external_id == "qemu/100")
    assert vm_sample.net_rx_bps == 1000.0 * 100  # from the guest's own RRD data (the harness)


def test_a_password_login_over_a_pinned_fingerprint_reads_the_same_inventory(fake_pve):
    by_token = read(token_config(fake_pve))
    by_password = read(password_config(fake_pve))
    assert sorted(v.external_id for v in by_password.vms) == sorted(
        v.external_id for v in by_token.vms
    )
    assert ("POST", "/api2/json/access/ticket") in fake_pve.requests_seen()


def test_a_ticket_revoked_between_syncs_is_renewed(fake_pve):
    connector = ProxmoxConnector(password_config(fake_pve))
    assert connector.read_inventory().vms
    fake_pve.call(fake_pve.pve.revoke_tickets)
    assert connector.read_inventory().vms
    logins = [r for r in fake_pve.requests_seen() if r[1].endswith("/access/ticket")]
    assert len(logins) == 2


def test_a_ticket_that_expires_mid_sync_is_renewed_without_failing_the_sync(fake_pve):
    connector = ProxmoxConnector(password_config(fake_pve))
    connector._ensure_login()
    # The ticket dies after the first request of the sync.
    fake_pve.call(
        fake_pve.pve.fail,
        "GET",
        "/cluster/status",
        401,
        "permission denied - invalid PVE ticket",
        times=1,
    )
    inv = connector.read_inventory()
    assert inv.clusters[0].name == "lab" and inv.warnings == []


def test_a_wrong_password_is_an_authentication_error_without_the_secret(fake_pve):
    config = password_config(fake_pve, secret="Wr0ng-Pa55word")
    with pytest.raises(AuthenticationError) as err:
        read(config)
    assert "Wr0ng-Pa55word" not in str(err.value) and err.value.permanent


def test_a_wrong_token_secret_is_an_authentication_error_without_the_secret(fake_pve):
    with pytest.raises(AuthenticationError) as err:
        read(token_config(fake_pve, secret="deadbeef-not-it"))
    assert "deadbeef-not-it" not in str(err.value)
    assert "authentication failure" in str(err.value)


# ------------------------------------------------------------------------------------ trust


def test_a_wrong_pinned_fingerprint_fails_naming_expected_and_presented(fake_pve):
    wrong = "ab" * 32
    with pytest.raises(TrustError) as err:
        read(password_config(fake_pve, fingerprint=wrong))
    text = str(err.value).replace(":", "").lower()
    assert wrong in text and fake_pve.fingerprint in text
    # The password never reached the server: the pin failed on the login's own connection.
    assert fake_pve.requests_seen() == []


def test_a_ca_that_did_not_sign_the_server_certificate_is_refused(fake_pve, tmp_path):
    from fakepve.certs import make_cert

    other, _, _ = make_cert(str(tmp_path), name="other", hosts=(fake_pve.host,))
    with pytest.raises(TrustError) as err:
        read(token_config(fake_pve, ca_pem=Path(other).read_text()))
    assert "certificate verify failed" in str(err.value)
    assert fake_pve.requests_seen() == []


def test_an_endpoint_without_ca_or_fingerprint_is_refused_before_any_request(fake_pve):
    with pytest.raises(TrustError):
        ProxmoxConnector(token_config(fake_pve, ca_pem=""))


def test_verification_cannot_be_switched_off_and_proxmoxers_backend_is_not_loaded(
    fake_pve, tmp_path
):
    from fakepve.certs import make_cert

    source = Path(proxmox_module.__file__).read_text()
    assert "verify_ssl" not in source and "verify=False" not in source
    assert "proxmoxer.backends.https" not in sys.modules  # it silences urllib3 process-wide
    connector = ProxmoxConnector(token_config(fake_pve))
    adapter = connector._session.get_adapter(fake_pve.url + "/api2/json/version")
    assert isinstance(adapter, proxmox_module.TrustAdapter)
    # Even a caller passing verify=False through the session gets a verified connection.
    other, _, _ = make_cert(str(tmp_path), name="other", hosts=(fake_pve.host,))
    distrusting = ProxmoxConnector(token_config(fake_pve, ca_pem=Path(other).read_text()))
    with pytest.raises(requests.exceptions.SSLError):
        distrusting._session.get(fake_pve.url + "/api2/json/version", verify=False)
    with pytest.raises(requests.exceptions.InvalidURL, match="refused"):
        connector._session.get("https://example.invalid/")


# ------------------------------------------------------------------------------------ faults


def test_an_offline_node_is_recorded_offline_and_its_guests_listed_without_config(fake_pve):
    fake_pve.call(fake_pve.pve.set_node_offline, "pve2")
    inv = read(token_config(fake_pve))
    pve2 = next(h for h in inv.hosts if h.name == "pve2")
    assert pve2.connection_state == "offline"
    assert any("node pve2 is offline" in w for w in inv.warnings)
    on_pve2 = [v for v in inv.vms if v.host_external_id == "node/pve2"]
    assert on_pve2 and all(v.power_state == "unknown" and not v.config for v in on_pve2)
    assert not any(path.startswith("/api2/json/nodes/pve2") for _, path in fake_pve.requests_seen())


def test_a_snapshot_on_an_offline_node_fails_with_pves_message(fake_pve):
    fake_pve.call(fake_pve.pve.set_node_offline, "pve1")
    with pytest.raises(ConnectorError, match="No route to host") as err:
        ProxmoxConnector(token_config(fake_pve)).create_snapshot("qemu/100", "pre-change")
    assert not err.value.permanent


def test_lost_quorum_reads_quorate_false_and_refuses_snapshots_with_pves_message(fake_pve):
    fake_pve.call(fake_pve.pve.lose_quorum)
    connector = ProxmoxConnector(token_config(fake_pve))
    assert connector.read_inventory().clusters[0].quorate is False
    with pytest.raises(ConnectorError, match=r"cluster not ready - no quorum\?"):
        connector.create_snapshot("qemu/100", "during-split-brain")


def test_a_token_without_rights_gets_pves_403_message_as_a_permanent_error(fake_pve):
    def weak_token() -> None:
        fake_pve.pve.apitokens["auditor@pve!weak"] = "weak-secret"
        fake_pve.pve.grant("auditor@pve", "/vms/100", "VM.Audit")  # ACLs are now enforced

    fake_pve.call(weak_token)
    with pytest.raises(ConnectorError, match="Permission check failed") as err:
        read(token_config(fake_pve, token_id="auditor@pve!weak", secret="weak-secret"))
    assert err.value.permanent and not isinstance(err.value, AuthenticationError)


def test_a_slow_network_past_the_timeout_is_a_retryable_error(fake_pve):
    def slow() -> None:
        fake_pve.pve.time_scale = 1.0
        fake_pve.pve.slow_network(3.0)

    fake_pve.call(slow)
    with pytest.raises(ConnectorError, match="did not answer") as err:
        read(token_config(fake_pve, timeout=0.5))
    assert not err.value.permanent


def test_an_unreachable_endpoint_is_a_retryable_error(fake_pve):
    url = fake_pve.url
    fake_pve.stop()
    with pytest.raises(ConnectorError, match="cannot reach") as err:
        read(token_config(fake_pve, url=url))
    assert not err.value.permanent


def test_a_500_html_page_for_a_guest_config_becomes_a_warning(fake_pve):
    fake_pve.call(
        fake_pve.pve.fail,
        "GET",
        "/nodes/pve1/qemu/101/config",
        502,
        "<html><body>Bad Gateway</body></html>",
        html=True,
    )
    inv = read(token_config(fake_pve))
    assert any(w.startswith("qemu/101: not fully read") and "502" in w for w in inv.warnings)
    assert any(v.external_id == "qemu/101" for v in inv.vms)


def test_html_instead_of_json_for_the_resource_list_is_a_connector_error(fake_pve):
    fake_pve.call(
        fake_pve.pve.fail, "GET", "/cluster/resources", 200, "<html>login</html>", html=True
    )
    with pytest.raises(ConnectorError, match="text/html instead of JSON"):
        read(token_config(fake_pve))


def test_a_node_vanishing_between_calls_becomes_a_warning(fake_pve):
    fake_pve.call(fake_pve.pve.fail, "GET", "/nodes/pve2/network", 595, "No route to host")
    inv = read(token_config(fake_pve))
    assert any(
        "network of node pve2 not read" in w and "No route to host" in w for w in inv.warnings
    )
    assert len(inv.hosts) == 2


def test_a_config_with_unknown_and_odd_keys_is_read_without_crashing(fake_pve):
    def odd() -> None:
        vm = fake_pve.pve.vm(100)
        vm.config.update({"x-future-key": "1", "net1": "", "scsi1": "", "memory": "balloon=1"})

    fake_pve.call(odd)
    inv = read(token_config(fake_pve))
    vm = next(v for v in inv.vms if v.external_id == "qemu/100")
    assert vm.config["x-future-key"] == "1"


# ------------------------------------------------------------------------------------ requests


def classify(path: str) -> str:
    parts = path.removeprefix("/api2/json/").split("/")
    if parts[0] != "nodes":
        return "fixed"
    if parts[2] == "storage":
        return "backup-content"
    if len(parts) == 3 or parts[2:] in (["firewall", "options"], ["apt", "update"]):
        return "node"
    return "guest-" + parts[-1] if parts[-1] in ("snapshot", "get-time", "rrddata") else "guest"


def test_requests_grow_only_per_node_and_per_guest_as_documented():
    observed = []
    for spec in (
        FakeSpec(nodes=1, vms_per_node=2, cts_per_node=1, snapshot_every=3),
        FakeSpec(nodes=3, vms_per_node=6, cts_per_node=3, snapshot_every=3),
    ):
        with RunningFakePve(spec) as fake:
            inv = read(token_config(fake))
            seen = Counter(classify(path) for _, path in fake.requests_seen())
            guests = spec.nodes * (spec.vms_per_node + spec.cts_per_node)
            with_snapshots = len({s.vm_external_id for s in inv.snapshots})
            agents = sum(
                1
                for v in inv.vms
                if v.kind == "qemu" and v.power_state == "running" and v.tools_state != "disabled"
            )
            running = sum(1 for v in inv.vms if v.power_state == "running")
            host_of = {v.external_id: v.host_external_id for v in inv.vms}
            task_logs = len({host_of[s.vm_external_id] for s in inv.snapshots})
            assert seen == Counter(
                {
                    "fixed": 13,
                    # Each node's local storage and the shared one once (all hold backups).
                    "backup-content": spec.nodes + 1,
                    "node": 8 * spec.nodes + task_logs,
                    "guest": guests,
                    "guest-snapshot": with_snapshots,
                    "guest-get-time": agents,
                    "guest-rrddata": running,
                }
            )
            observed.append(sum(seen.values()))
    assert observed[1] > observed[0]


# ------------------------------------------------------------------------------------ snapshots


def test_snapshot_create_delete_and_revert_end_in_the_right_state_in_the_fake(fake_pve):
    c = ProxmoxConnector(token_config(fake_pve))
    upid = c.create_snapshot("qemu/100", "portal-1", "before patch", memory=True)
    assert upid.startswith("UPID:pve1:")
    status = c.task_status(upid)
    assert (status.state, status.error, status.result_external_id) == ("succeeded", "", "qemu/100")
    snap = c.find_snapshot("qemu/100", "portal-1")
    assert snap and snap.current and snap.description == "before patch" and snap.with_memory
    assert snap.parent_external_id == "qemu/100/snap2"
    assert fake_pve.call(lambda: "portal-1" in fake_pve.pve.vm(100).snapshots)

    assert c.task_status(c.revert_snapshot("qemu/100/snap1")).state == "succeeded"
    assert fake_pve.call(lambda: fake_pve.pve.vm(100).config["parent"]) == "snap1"

    assert c.task_status(c.delete_snapshot("qemu/100/portal-1")).state == "succeeded"
    assert c.find_snapshot("qemu/100", "portal-1") is None
    assert fake_pve.call(lambda: sorted(fake_pve.pve.vm(100).snapshots)) == ["snap1", "snap2"]


def test_a_container_snapshot_is_created_and_found(fake_pve):
    c = ProxmoxConnector(password_config(fake_pve))
    ct = next(v for v in c.read_inventory().vms if v.kind == "lxc")
    assert c.task_status(c.create_snapshot(ct.external_id, "ct-snap")).state == "succeeded"
    assert c.find_snapshot(ct.external_id, "ct-snap") is not None


def test_snapshot_of_a_locked_vm_ends_failed_with_pves_message(fake_pve):
    fake_pve.call(fake_pve.pve.snapshot_lock, 101, "backup")
    c = ProxmoxConnector(token_config(fake_pve))
    status = c.task_status(c.create_snapshot("qemu/101", "pre-change"))
    assert (status.state, status.error) == ("failed", "VM is locked (backup)")


def test_a_snapshot_name_already_used_ends_failed_with_pves_message(fake_pve):
    c = ProxmoxConnector(token_config(fake_pve))
    status = c.task_status(c.create_snapshot("qemu/100", "snap1"))
    assert (status.state, status.error) == ("failed", "snapshot name 'snap1' already used")


def test_a_full_storage_ends_the_snapshot_task_failed_with_pves_message(fake_pve):
    message = (
        "lvcreate 'pve/snap_vm-100-disk-0_s' error:   Cannot create new thin volume, "
        "free space in thin pool pve/data reached threshold."
    )
    fake_pve.call(fake_pve.pve.fail_task, "POST", "/nodes/pve1/qemu/100/snapshot", message)
    c = ProxmoxConnector(token_config(fake_pve))
    status = c.task_status(c.create_snapshot("qemu/100", "pre-change"))
    assert (status.state, status.error) == ("failed", message)


def test_a_task_error_from_pve_ends_failed_with_its_message(fake_pve):
    fake_pve.call(
        fake_pve.pve.fail,
        "POST",
        "/nodes/pve1/qemu/100/snapshot/snap1/rollback",
        error="unable_rollback_running",
    )
    c = ProxmoxConnector(token_config(fake_pve))
    status = c.task_status(c.revert_snapshot("qemu/100/snap1"))
    assert status.state == "failed" and status.error == "unable to rollback vm 100: vm is running"


def test_a_running_task_is_reported_running(fake_pve):
    def slow_tasks() -> None:
        fake_pve.pve.time_scale = 1.0
        fake_pve.pve.ct_secs["snapshot"] = 30

    fake_pve.call(slow_tasks)
    c = ProxmoxConnector(token_config(fake_pve))
    ct = next(v for v in c.read_inventory().vms if v.kind == "lxc")
    assert c.task_status(c.create_snapshot(ct.external_id, "slow")).state == "running"


def test_snapshot_operations_on_unknown_ids_are_permanent_errors(fake_pve):
    c = ProxmoxConnector(token_config(fake_pve))
    with pytest.raises(ConnectorError, match="does not exist") as err:
        c.create_snapshot("qemu/999", "pre-change")
    assert err.value.permanent
    with pytest.raises(ConnectorError, match="not a Proxmox"):
        c.delete_snapshot("vm-42")
    with pytest.raises(ConnectorError, match="not a Proxmox task id"):
        c.task_status("task-1")


def test_running_guests_carry_network_rates_from_their_rrd_data(fake_pve):
    inv = read(token_config(fake_pve))
    state = {v.external_id: v.power_state for v in inv.vms}
    samples = {s.external_id: s for s in inv.samples if s.object_type == "vm"}
    running = [g for g, st in state.items() if st == "running"]
    assert running, "the fake should run some guests"
    # The harness's RRD gives 1000 x VMID in and 500 x VMID out; a stopped guest is not asked.
    for gid, st in state.items():
        vmid = int(gid.split("/")[1])
        rates = (samples[gid].net_rx_bps, samples[gid].net_tx_bps)
        assert rates == ((1000.0 * vmid, 500.0 * vmid) if st == "running" else (None, None))


# ------------------------------------------------------------------------------------ hardening


def test_tokens_and_the_guests_clock_are_read_without_extra_requests(fake_pve):
    def plant() -> None:
        fake_pve.pve.token_info["root@pam!portal"]["privsep"] = 0
        fake_pve.pve.apitokens["auditor@pve!mon"] = "x"
        fake_pve.pve.token_info["auditor@pve!mon"] = {"expire": 1900000000}
        fake_pve.pve.vm(100).agent["get-time"] = time.time_ns() - 42 * 10**9

    fake_pve.call(plant)
    inv = read(token_config(fake_pve))
    accounts = {a.userid: a for a in inv.accounts}
    assert accounts["root@pam"].api_tokens == [{"tokenid": "portal", "privsep": False, "expire": 0}]
    assert accounts["auditor@pve"].api_tokens == [
        {"tokenid": "mon", "privsep": True, "expire": 1900000000}
    ]
    assert accounts["admin@pve"].api_tokens == []
    vms = {v.external_id: v for v in inv.vms}
    clock = vms["qemu/100"].guest_time
    assert clock["source"] == "qemu_agent" and clock["agent_enabled"] is True
    assert -44 < clock["offset_seconds"] < -40
    assert vms["qemu/100"].tools_state == "running"
    # A stopped VM with the agent off: no request, no clock.
    assert vms["qemu/101"].guest_time == {
        "source": "qemu_agent",
        "agent_enabled": False,
        "offset_seconds": None,
    }
    assert vms["lxc/102"].guest_time == {}
    assert vms["lxc/102"].extra_config["unprivileged"] == "1"
