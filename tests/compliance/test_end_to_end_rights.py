"""End to end: rights planted on vcsim and fakepve through their APIs, synced and checked.

vCenter: roles and permissions set with the AuthorizationManager (AddAuthorizationRole,
SetEntityPermissions) as an administrator's client does. Proxmox: users, ACL entries and API
tokens made through PVE's REST API (fakepve answers with PVE 8's shapes). Each finding is looked
up by the principal, and its message must name the entity where the right was granted; clean
principals and objects must not turn up in any failing rights finding.
"""

from __future__ import annotations

import time

import pytest

from compliance.models import Finding
from inventory.models import Endpoint, PlatformAccount, VirtualMachine
from simulators import vcsim as sim_api
from simulators.endpoints import proxmox_endpoint, vcenter_endpoint

from .e2e import open_finding, result, sync_and_check
from .test_end_to_end_proxmox import PveApi

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

RIGHTS = ("RGT-001", "RGT-002", "RGT-003", "RGT-004", "RGT-007")


def failing(endpoint: Endpoint) -> dict[str, set[str]]:
    """Principal (or endpoint) name -> the rights checks failing on it."""
    out: dict[str, set[str]] = {}
    for f in Finding.objects.open().filter(endpoint=endpoint, check_id__in=RIGHTS, status="fail"):
        out.setdefault(f.object_name, set()).add(f.check_id)
    return out


def acl(api: PveApi, **data) -> None:
    """PUT /access/acl (its ``path`` parameter clashes with PveApi.call's own)."""
    answer = api.session.request("PUT", api.base + "/access/acl", data=data, timeout=30)
    answer.raise_for_status()


def account(endpoint: Endpoint, name: str, kind: str = "user") -> PlatformAccount:
    return PlatformAccount.objects.get(endpoint=endpoint, name=name, kind=kind)


# ---------------------------------------------------------------------------------- Proxmox


@pytest.fixture
def pve(fake_pve):
    return proxmox_endpoint(fake_pve, "pve-rights", sync=False), PveApi(fake_pve), fake_pve


def test_proxmox_rights_planted_through_the_api_are_found_by_principal_and_place(pve):
    endpoint, api, _ = pve
    # A VM admin who also administers a node: separation of duties, and a local admin.
    api.call("POST", "/access/users", userid="eve@pve", password="eve-password-1")
    acl(api, path="/vms/100", roles="PVEVMAdmin", users="eve@pve")
    acl(api, path="/nodes/pve1", roles="PVESysAdmin", users="eve@pve")
    # A directory group holding Administrator at the root, with a directory member: clean.
    api.call("POST", "/access/domains", realm="corp", type="ldap", server1="ldap.example.org",
             base_dn="dc=example,dc=org", user_attr="uid", tfa="type=oath")  # fmt: skip
    api.call("POST", "/access/users", userid="carol@corp", groups="admins")
    acl(api, path="/", roles="Administrator", groups="admins")
    # A VM-only operator with a well-made token: clean.
    in_90_days = int(time.time()) + 90 * 86400
    api.call("POST", "/access/users", userid="vmops@corp", groups="")
    acl(api, path="/vms/101", roles="PVEVMUser", users="vmops@corp")
    api.call("POST", "/access/users/vmops@corp/token/ro", privsep=1, expire=in_90_days)
    acl(api, path="/vms/101", roles="PVEAuditor", tokens="vmops@corp!ro")
    # A script's token of the auditor: no expiry, no privilege separation.
    api.call("POST", "/access/users/auditor@pve/token/ci", privsep=0)

    run = sync_and_check(endpoint)
    found = failing(endpoint)

    eve = open_finding("RGT-007", account(endpoint, "eve@pve"))
    assert eve.status == "fail"
    assert "/vms/100 (vm100)" in eve.message and "/nodes/pve1" in eve.message
    assert eve.evidence["infra_admin_privileges"] == ["Sys.Console"]
    assert found["eve@pve"] == {"RGT-003", "RGT-007"}

    token = account(endpoint, "auditor@pve!ci", "token")
    assert token.privsep is False and token.expires_at is None
    assert found["auditor@pve!ci"] == {"RGT-004"}
    # Without privilege separation the token carries its user's grants; HRD-104 judges it on
    # the user (its ``api_tokens``, read from the same /access/users answer), not twice.
    assert any(g["via"] == "user auditor@pve (no privilege separation)" for g in token.grants)
    auditor = account(endpoint, "auditor@pve")
    assert auditor.api_tokens == [{"tokenid": "ci", "privsep": False, "expire": 0}]
    hrd = open_finding("HRD-104", auditor)
    assert hrd.status == "fail" and "auditor@pve!ci" in hrd.message
    assert open_finding("HRD-104", token) is None

    # The fake's default administrator holds Administrator directly, as a local user.
    assert found["admin@pve"] == {"RGT-001", "RGT-003"}
    # The harness's own token: root@pam's, without expiry (privilege separation on, PVE's
    # default); HRD-103 judges root@pam for having a token at all.
    assert found["root@pam!portal"] == {"RGT-004"}
    assert open_finding("HRD-103", account(endpoint, "root@pam")).status == "fail"

    # Clean principals: no failing rights finding at all.
    for clean in ("carol@corp", "admins", "vmops@corp", "vmops@corp!ro", "auditor@pve"):
        assert clean not in found, (clean, found.get(clean))
    carol = account(endpoint, "carol@corp")
    assert carol.directory is True and carol.grants[0]["via"] == "group admins"
    assert open_finding("ADM-005", carol) is None  # the realm enforces TOTP
    # Root: root@pam, admin@pve and the group admins (allowed 3).
    assert result(run, "RGT-002").passed == 1
    # No VM or node outside the planted ones is named by a failing rights finding.
    messages = " ".join(
        Finding.objects.open()
        .filter(endpoint=endpoint, check_id__in=RIGHTS, status="fail")
        .values_list("message", flat=True)
    )
    for vm in VirtualMachine.objects.filter(endpoint=endpoint).exclude(name="vm100"):
        assert f"({vm.name})" not in messages, vm.name


def test_proxmox_taking_the_node_right_away_resolves_the_separation_finding(pve):
    endpoint, api, _ = pve
    api.call("POST", "/access/users", userid="eve@pve", password="eve-password-1")
    acl(api, path="/vms/100", roles="PVEVMAdmin", users="eve@pve")
    acl(api, path="/nodes/pve1", roles="PVESysAdmin", users="eve@pve")
    sync_and_check(endpoint)
    eve = account(endpoint, "eve@pve")
    finding = open_finding("RGT-007", eve)
    assert finding is not None and finding.status == "fail"

    acl(api, path="/nodes/pve1", roles="PVESysAdmin", users="eve@pve",
             delete=1)  # fmt: skip
    sync_and_check(endpoint)
    finding.refresh_from_db()
    assert finding.resolved_at is not None
    assert open_finding("RGT-003", eve) is None  # VM administration alone is no admin right


def test_proxmox_more_root_administrators_than_allowed_fail_rgt_002(pve):
    endpoint, api, _ = pve
    for name in ("x1@pve", "x2@pve"):
        api.call("POST", "/access/users", userid=name, password="pw-123456")
        acl(api, path="/", roles="Administrator", users=name)
    sync_and_check(endpoint)
    finding = open_finding("RGT-002", endpoint)
    assert finding.status == "fail"
    assert finding.evidence["count"] == 4  # root@pam, admin@pve, x1, x2
    assert "x1@pve (user)" in finding.message and "x2@pve (user)" in finding.message


# ---------------------------------------------------------------------------------- vCenter


def test_vcenter_permissions_planted_with_the_authorization_manager(fresh_vcsim):
    sim = fresh_vcsim
    endpoint = vcenter_endpoint(sim, "vc-rights", sync=False)
    vms = sim_api.vm_ids(sim)
    mixed = sim_api.add_role(sim, "VmAndNetwork", ["VirtualMachine.Config.Settings",
                                                    "Host.Config.Network", "System.View"])  # fmt: skip
    sim_api.set_permission(sim, vms[0], "VSPHERE.LOCAL\\mallory", mixed)
    sim_api.set_permission(sim, vms[1], "CORP\\bob", -1)  # Admin to a person, on one VM
    sim_api.set_permission(sim, "host-21", "CORP\\hostadmins", -1, group=True)  # clean
    sim_api.set_permission(sim, "group-d1", "CORP\\auditors", -2, group=True)  # ReadOnly: clean

    run = sync_and_check(endpoint)
    found = failing(endpoint)
    vm0 = VirtualMachine.objects.get(endpoint=endpoint, external_id=vms[0])
    vm1 = VirtualMachine.objects.get(endpoint=endpoint, external_id=vms[1])

    mallory = open_finding("RGT-007", account(endpoint, "VSPHERE.LOCAL\\mallory"))
    assert vm0.name in mallory.message and vms[0] in mallory.message
    assert found["VSPHERE.LOCAL\\mallory"] == {"RGT-003", "RGT-007"}  # vsphere.local is local

    bob = open_finding("RGT-001", account(endpoint, "CORP\\bob"))
    assert vm1.name in bob.message and vms[1] in bob.message
    assert found["CORP\\bob"] == {"RGT-001"}  # a directory account: not RGT-003

    for clean in ("CORP\\hostadmins", "CORP\\auditors"):
        assert clean not in found
    hostadmins = account(endpoint, "CORP\\hostadmins", "group")
    assert hostadmins.grants[0]["entity_id"] == "host-21"
    # vcsim's own root permissions: the users root and admin hold Admin directly.
    assert found["admin"] >= {"RGT-001"}
    # Three principals at the root with Admin (group root, users root and admin): allowed 3.
    assert result(run, "RGT-002").passed == 1
    messages = " ".join(
        Finding.objects.open()
        .filter(endpoint=endpoint, check_id__in=RIGHTS, status="fail")
        .values_list("message", flat=True)
    )
    for vm in VirtualMachine.objects.filter(endpoint=endpoint).exclude(pk__in=[vm0.pk, vm1.pk]):
        assert vm.name not in messages, vm.name

    # A fourth administrator at the root.
    sim_api.set_permission(sim, "group-d1", "CORP\\carol", -1)
    sync_and_check(endpoint)
    root = open_finding("RGT-002", endpoint)
    assert root.status == "fail" and "CORP\\carol (user)" in root.message

    # Taking bob's Admin away resolves his findings.
    sim_api.remove_permission(sim, vms[1], "CORP\\bob")
    sync_and_check(endpoint)
    bob.refresh_from_db()
    assert bob.resolved_at is not None
