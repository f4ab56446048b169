"""The rights the connectors read: vCenter roles and permissions (vcsim), Proxmox ACL, roles,
groups, users, realms and API tokens (fakepve, PVE 8 shapes), over real TLS."""
# ruff: noqa: F811  (pytest fixtures imported by name, then used as parameters)

from __future__ import annotations

import pytest

from inventory.connectors.vcenter import VCenterConnector
from simulators import vcsim as sim_api
from simulators.endpoints import simulator_config
from simulators.fakepve import FakeUser
from tests.harness.fakepve_fixtures import fake_pve, pytest_configure  # noqa: F401

from .test_proxmox import read, token_config


def by_name(inv, kind="user"):
    return {a.userid: a for a in inv.accounts if a.kind == kind}


@pytest.mark.fake_pve_spec(
    users=[
        FakeUser("alice@corp", groups=["ops"], acl=[("/vms/100", "PVEVMAdmin")]),
        FakeUser(
            "bob@pve",
            tfa=True,
            acl=[("/nodes/pve1", "PVESysAdmin")],
            tokens={"ci": {"expire": 4102444800, "privsep": 0}, "ro": {}},
        ),
    ]
)
def test_proxmox_users_groups_tokens_and_their_grants(fake_pve):
    def plant():
        pve = fake_pve.pve
        pve.realms["corp"] = {"type": "ldap", "tfa": "type=oath"}
        pve.set_acl("/", "group", "ops", "PVEAuditor", propagate=0)
        pve.set_acl("/vms/101", "token", "bob@pve!ro", "PVEVMUser")

    fake_pve.call(plant)
    fake_pve.reset_requests()
    inv = read(token_config(fake_pve))
    users, groups, tokens = by_name(inv), by_name(inv, "group"), by_name(inv, "token")

    alice = users["alice@corp"]
    assert alice.directory is True and alice.realm_type == "ldap" and alice.realm_two_factor
    vm = alice.grants[0]
    assert vm["entity_path"] == "/vms/100 (vm100)" and vm["entity_id"] == "/vms/100"
    assert vm["role"] == "PVEVMAdmin" and vm["vm_admin_count"] > 0 and not vm["infra_admin"]
    assert not vm["admin"] and vm["propagate"] is True
    via = alice.grants[1]
    assert via["via"] == "group ops" and via["propagate"] is False and via["root"] is True
    assert groups["ops"].grants[0]["role"] == "PVEAuditor" and groups["ops"].kind == "group"

    bob = users["bob@pve"]
    assert bob.directory is False and bob.grants[0]["infra_admin"] == ["Sys.Console"]
    ci, ro = tokens["bob@pve!ci"], tokens["bob@pve!ro"]
    assert ci.privsep is False and ci.expires_at.year == 2100
    assert [g["entity_id"] for g in ci.grants] == ["/nodes/pve1"]  # the user's, inherited
    assert ci.grants[0]["via"] == "user bob@pve (no privilege separation)"
    assert ro.privsep is True and ro.expires_at is None
    assert [(g["entity_id"], g["role"]) for g in ro.grants] == [("/vms/101", "PVEVMUser")]
    # root@pam's own token (the harness's, privilege separation on) is listed, as PVE lists it.
    assert tokens["root@pam!portal"].privsep is True
    # One parse of /access/users fills both: the token principals and the users' api_tokens.
    assert users["bob@pve"].api_tokens == [
        {"tokenid": "ci", "privsep": False, "expire": 4102444800},
        {"tokenid": "ro", "privsep": True, "expire": 0},
    ]
    assert [t["tokenid"] for t in users["root@pam"].api_tokens] == ["portal"]
    admin = users["root@pam"]
    assert admin.grants == [] and admin.directory is False  # implicit rights, not in the ACL

    # One request each, whatever the number of users.
    access = sorted(p for _, p in fake_pve.requests_seen() if "/access/" in p)
    assert access == [
        "/api2/json/access/acl",
        "/api2/json/access/domains",
        "/api2/json/access/roles",
        "/api2/json/access/tfa",
        "/api2/json/access/users",
    ]


def test_proxmox_roles_are_classified_from_pve_8s_privileges(fake_pve):
    inv = read(token_config(fake_pve))
    admin = by_name(inv)["admin@pve"].grants[0]
    assert admin["admin"] and admin["role"] == "Administrator"
    assert admin["vm_admin_count"] and admin["infra_admin_count"]
    auditor = by_name(inv)["auditor@pve"].grants[0]
    assert not auditor["vm_admin"] and not auditor["infra_admin"] and not auditor["admin"]


def vc_read(sim):
    config = simulator_config(
        sim, "vcenter", username=sim.username, secret=sim.password, fingerprint=sim.fingerprint
    )
    connector = VCenterConnector(config)
    try:
        return connector.read_inventory()
    finally:
        connector.close()


@pytest.mark.parametrize("with_entity", [True, False], ids=["as-vcenter", "vcsim-without-entity"])
def test_vcenter_roles_and_permissions(fresh_vcsim, with_entity):
    sim = fresh_vcsim
    vm = sim_api.vm_ids(sim)[0]
    role = sim_api.add_role(sim, "VmOps", ["VirtualMachine.State.CreateSnapshot", "System.View"])
    sim_api.set_permission(sim, vm, "CORP\\vmops", role, group=True, with_entity=with_entity)
    sim_api.set_permission(
        sim, "host-21", "bob@vsphere.local", -1, propagate=False, with_entity=with_entity
    )
    inv = vc_read(sim)
    assert not inv.warnings
    groups, users = by_name(inv, "group"), by_name(inv)

    vmops = groups["CORP\\vmops"]
    assert vmops.directory is True and vmops.realm == "CORP"
    g = vmops.grants[0]
    assert g["entity_id"] == vm and g["entity_path"].startswith("/DC0/vm/")
    assert g["role"] == "VmOps" and g["vm_admin"] == ["VirtualMachine.State.CreateSnapshot"]
    assert not g["infra_admin"] and not g["admin"] and g["privileges"] == 4  # vCenter adds System.*

    bob = users["bob@vsphere.local"]
    assert bob.directory is False  # vsphere.local: SSO's own domain
    assert bob.grants[0]["entity_id"] == "host-21" and bob.grants[0]["propagate"] is False
    assert bob.grants[0]["admin"] and bob.grants[0]["role"] == "Admin"

    # vcsim's own permissions at the root folder stay (vCenter adds, it does not replace).
    root = [g for a in inv.accounts for g in a.grants if g["root"]]
    assert {g["entity_path"] for g in root} == {"/"} and len(root) == 3


def test_fakepve_keeps_group_membership_changed_through_the_api(fake_pve):
    from tests.compliance.test_end_to_end_proxmox import PveApi

    api = PveApi(fake_pve)
    api.call("PUT", "/access/users/auditor@pve", groups="ops")
    api.call("PUT", "/access/users/auditor@pve", groups="sec", append=1)
    fake_pve.call(lambda: fake_pve.pve.set_acl("/", "group", "sec", "PVEAuditor"))
    inv = read(token_config(fake_pve))
    auditor = by_name(inv)["auditor@pve"]
    assert [g["via"] for g in auditor.grants] == ["", "group sec"]
