"""End to end on fakepve: Proxmox hardening (HRD-101..104) and guest time (TIM-001).

Changes go through PVE's REST API where PVE has a call for them: a container created privileged
(``POST /nodes/{node}/lxc`` with ``unprivileged=0``; the option is read-only afterwards), nesting
switched on and off (``PUT /nodes/{node}/lxc/{vmid}/config`` ``features``), API tokens created,
changed and deleted (``/access/users/{userid}/token/{tokenid}``), the guest agent switched off
(``PUT .../qemu/{vmid}/config agent=0``). A guest's clock is the guest's own (no API sets it):
the fake's agent answer to ``get-time`` is changed in its model.
"""

from __future__ import annotations

import time

import pytest

from compliance.models import Finding
from inventory.models import PlatformAccount, VirtualMachine
from simulators.endpoints import proxmox_endpoint

from .e2e import assert_resolved, open_finding, result, sync_and_check
from .test_end_to_end_proxmox import PveApi

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def pve(fake_pve):
    return proxmox_endpoint(fake_pve, "pve-hrd", sync=False), PveApi(fake_pve), fake_pve


def guest(endpoint, name: str) -> VirtualMachine:
    return VirtualMachine.objects.get(endpoint=endpoint, name=name)


def account(endpoint, userid: str) -> PlatformAccount:
    return PlatformAccount.objects.get(endpoint=endpoint, name=userid)


def findings(check_id: str) -> list[str]:
    return sorted(f.object_name for f in Finding.objects.open().filter(check_id=check_id))


def test_the_clean_fake_passes_the_guest_and_container_checks(pve):
    endpoint, _api, _fake = pve
    run = sync_and_check(endpoint)
    # Containers are unprivileged without features, the running VM with the agent answers.
    for check_id in ("HRD-101", "HRD-102", "TIM-001"):
        assert findings(check_id) == [], check_id
        assert result(run, check_id).passed >= 1, check_id
    assert result(run, "HRD-101").passed == 2  # ct102, ct105
    tim = result(run, "TIM-001")
    assert tim.passed == 2 and tim.failed == tim.warnings == 0  # vm100, vm103 (running, agent)
    vm = guest(endpoint, "vm100")
    assert abs(vm.guest_time["offset_seconds"]) < 3
    assert vm.guest_time["agent_enabled"] is True


def test_a_privileged_container_opens_hrd_101_and_nesting_in_it_fails_hrd_102(pve):
    endpoint, api, _fake = pve
    upid = api.call(
        "POST",
        "/nodes/pve1/lxc",
        vmid=150,
        hostname="ct-privileged",
        ostemplate="local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst",
        rootfs="local-lvm:4",
        unprivileged=0,
    )
    api.wait("pve1", upid)
    sync_and_check(endpoint)
    ct = guest(endpoint, "ct-privileged")
    privileged = open_finding("HRD-101", ct)
    assert privileged is not None and privileged.status == "fail"
    assert privileged.evidence["unprivileged"] == "0"
    assert privileged.evidence["rule"] == "pct_general"
    assert privileged.object_external_id == "lxc/150"
    assert findings("HRD-101") == ["ct-privileged"]  # no false alarm on ct102, ct105
    assert open_finding("HRD-102", ct) is None

    api.call("PUT", "/nodes/pve1/lxc/150/config", features="nesting=1")
    sync_and_check(endpoint)
    nesting = open_finding("HRD-102", ct)
    assert nesting.status == "fail" and nesting.evidence["features"] == {"nesting": "1"}

    # The fix for a privileged container: replace it (unprivileged is fixed at creation).
    api.wait("pve1", api.call("DELETE", "/nodes/pve1/lxc/150"))
    sync_and_check(endpoint)
    assert_resolved(privileged, nesting)


def test_nesting_in_an_unprivileged_container_is_a_low_warning_and_off_resolves_it(pve):
    endpoint, api, _fake = pve
    sync_and_check(endpoint)
    ct = guest(endpoint, "ct102")
    assert open_finding("HRD-102", ct) is None

    api.call("PUT", "/nodes/pve1/lxc/102/config", features="nesting=1")
    sync_and_check(endpoint)
    finding = open_finding("HRD-102", ct)
    assert finding.status == "warning" and finding.severity == "low"
    assert findings("HRD-102") == ["ct102"]
    assert findings("HRD-101") == []

    api.call("PUT", "/nodes/pve1/lxc/102/config", features="nesting=0")
    sync_and_check(endpoint)
    assert_resolved(finding)


def test_root_tokens_and_tokens_without_privilege_separation(pve):
    endpoint, api, _fake = pve
    sync_and_check(endpoint)
    root = account(endpoint, "root@pam")
    # The portal itself logs in with root@pam!portal (privsep 1): a real finding of HRD-103.
    portal = open_finding("HRD-103", root)
    assert portal.status == "fail" and "root@pam!portal" in portal.message
    assert open_finding("HRD-104", root) is None
    auditor = account(endpoint, "auditor@pve")
    assert open_finding("HRD-104", auditor) is None and open_finding("HRD-103", auditor) is None

    created = api.call("POST", "/access/users/auditor@pve/token/monitoring", privsep=0)
    assert created["full-tokenid"] == "auditor@pve!monitoring" and created["value"]
    api.call("POST", "/access/users/root@pam/token/ci", privsep=0, expire=int(time.time()) + 86400)
    sync_and_check(endpoint)
    full = open_finding("HRD-104", auditor)
    assert full.status == "fail" and "auditor@pve!monitoring" in full.message
    assert full.evidence["tokens"] == [
        {"token": "auditor@pve!monitoring", "privsep": False, "expires": None}
    ]
    assert full.evidence["rule"] == "pveum_tokens"
    root_full = open_finding("HRD-104", root)
    assert "root@pam!ci" in root_full.message and "root@pam!portal" not in root_full.message
    assert findings("HRD-104") == ["auditor@pve", "root@pam"]
    portal.refresh_from_db()
    assert portal.resolved_at is None and "root@pam!ci" in portal.message

    api.call("PUT", "/access/users/auditor@pve/token/monitoring", privsep=1)
    api.call("DELETE", "/access/users/root@pam/token/ci")
    sync_and_check(endpoint)
    assert_resolved(full, root_full)
    assert findings("HRD-104") == []
    # An expired token authenticates no more: it is evidence, not a finding.
    api.call("POST", "/access/users/auditor@pve/token/old", privsep=0, expire=1)
    sync_and_check(endpoint)
    assert findings("HRD-104") == []
    judged = account(endpoint, "auditor@pve")
    assert {t["tokenid"] for t in judged.api_tokens} == {"monitoring", "old"}


def test_guest_agent_off_fails_tim_001_and_a_clock_off_the_node_fails_it(pve):
    endpoint, api, fake = pve
    sync_and_check(endpoint)
    vm = guest(endpoint, "vm100")
    assert open_finding("TIM-001", vm) is None

    def clock_ahead(seconds: float) -> None:
        def change() -> None:
            target = next(g for g in fake.pve.vms if g.vmid == 100)
            target.agent["get-time"] = time.time_ns() + int(seconds * 1e9)

        fake.call(change)

    clock_ahead(120)
    sync_and_check(endpoint)
    skewed = open_finding("TIM-001", vm)
    assert skewed.status == "fail"
    assert 110 < skewed.evidence["offset_seconds"] < 130
    assert skewed.evidence["threshold_seconds"] == 5
    assert findings("TIM-001") == ["vm100"]  # vm103 keeps time

    def clock_right() -> None:
        target = next(g for g in fake.pve.vms if g.vmid == 100)
        target.agent.pop("get-time", None)

    fake.call(clock_right)
    sync_and_check(endpoint)
    assert_resolved(skewed)

    api.call("PUT", "/nodes/pve2/qemu/103/config", agent=0)
    sync_and_check(endpoint)
    off = open_finding("TIM-001", guest(endpoint, "vm103"))
    assert off.status == "fail" and off.evidence["agent_enabled"] is False
    api.call("PUT", "/nodes/pve2/qemu/103/config", agent=1)
    sync_and_check(endpoint)
    assert_resolved(off)


def test_a_running_vm_whose_agent_does_not_answer_is_left_to_ops_005(pve):
    endpoint, _api, fake = pve

    def silence() -> None:
        next(g for g in fake.pve.vms if g.vmid == 100).agent = None

    fake.call(silence)
    run = sync_and_check(endpoint)
    vm = guest(endpoint, "vm100")
    assert open_finding("TIM-001", vm) is None  # the setting (agent: 1) is what TIM-001 checks
    assert "not running" in vm.guest_time["error"]
    assert result(run, "TIM-001").passed == 2
    assert open_finding("OPS-005", vm) is not None
