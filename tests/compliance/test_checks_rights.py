"""Unit cases of the rights review RGT-001..004, RGT-007 and ADM-005's extension (compliance/checks/rights.py).

The real pass and fail cases on vcsim and fakepve are in test_end_to_end_rights.py; these cover
the edges the simulators cannot show (expiry dates, unknown data, built-in superusers).
"""

from __future__ import annotations

import datetime as dt

import pytest

from compliance.checks import get_check
from compliance.checks.context import InventoryContext
from compliance.checks.registry import REGISTRY
from inventory.connectors.proxmox_traits import TRAITS as PVE
from inventory.connectors.records import grant
from inventory.connectors.vcenter_traits import TRAITS as VC
from inventory.models import Endpoint

from .factories import AccountFactory, EndpointFactory
from .test_checks import NOW

pytestmark = pytest.mark.django_db

ADMIN = PVE.classify_role("Administrator", [])
VM_ADMIN = PVE.classify_role("PVEVMAdmin", ["VM.Allocate", "VM.Config.Disk", "VM.Audit"])
SYS_ADMIN = PVE.classify_role("PVESysAdmin", ["Sys.Console", "Sys.Audit"])
AUDITOR = PVE.classify_role("PVEAuditor", ["VM.Audit", "Sys.Audit"])


def on(path: str, rights: dict, role: str = "Role", *, via: str = "", propagate=True) -> dict:
    return grant(
        entity_path=path,
        entity_id=path,
        role=role,
        role_id=role,
        propagate=propagate,
        rights=rights,
        via=via,
        root=path == "/",
    )


def judge(check_id: str, obj, **params):
    spec = get_check(check_id)
    endpoint_id = obj.pk if isinstance(obj, Endpoint) else obj.endpoint_id
    ctx = InventoryContext.load([endpoint_id], now=NOW)
    return spec.func(obj, {**spec.defaults(), **params}, ctx)


def test_the_traits_classify_roles_by_their_privileges():
    assert ADMIN["admin"] and ADMIN["vm_admin"] and ADMIN["infra_admin"]
    assert VM_ADMIN["vm_admin_count"] == 2 and not VM_ADMIN["infra_admin"]
    assert SYS_ADMIN["infra_admin"] == ["Sys.Console"] and not SYS_ADMIN["vm_admin"]
    assert not AUDITOR["vm_admin"] and not AUDITOR["infra_admin"] and not AUDITOR["admin"]
    vc = VC.classify_role("-1", ["VirtualMachine.Config.Settings", "Host.Config.Network"])
    assert vc["admin"] and vc["vm_admin"] == ["VirtualMachine.Config.Settings"]
    assert vc["infra_admin"] == ["Host.Config.Network"]
    assert not VC.classify_role("-2", ["System.Read", "System.View"])["vm_admin"]


def test_rgt_001_fails_a_user_with_the_admin_role_and_passes_groups_and_group_members():
    user = AccountFactory(name="alice@pve", grants=[on("/vms/100 (web01)", ADMIN, "Administrator")])
    outcome = judge("RGT-001", user)
    assert outcome.status == "fail" and "alice@pve" in outcome.message
    assert "/vms/100 (web01)" in outcome.message
    member = AccountFactory(name="bob@pve", grants=[on("/", ADMIN, via="group admins")])
    assert judge("RGT-001", member).status == "pass"
    group = AccountFactory(name="admins", kind="group", grants=[on("/", ADMIN)])
    assert judge("RGT-001", group).status == "pass"
    vm_admin = AccountFactory(name="carol@pve", grants=[on("/vms/100", VM_ADMIN)])
    assert judge("RGT-001", vm_admin).status == "pass"
    token = AccountFactory(name="alice@pve!ci", kind="token", grants=[on("/", ADMIN)])
    assert judge("RGT-001", token).status == "not_applicable"
    off = AccountFactory(name="old@pve", enabled=False, grants=[on("/", ADMIN)])
    assert judge("RGT-001", off).status == "not_applicable"


def test_rgt_001_passes_the_built_in_superuser_and_says_so():
    endpoint = EndpointFactory(kind=Endpoint.Kind.VCENTER)
    sso = AccountFactory(
        endpoint=endpoint, name="VSPHERE.LOCAL\\Administrator", grants=[on("/", ADMIN)]
    )
    outcome = judge("RGT-001", sso)
    assert outcome.status == "pass" and "built-in superuser" in outcome.message


def test_rgt_002_counts_propagated_admins_at_the_root_against_the_parameter():
    endpoint = EndpointFactory(kind=Endpoint.Kind.PROXMOX)
    AccountFactory(endpoint=endpoint, name="root@pam")  # implicit superuser: counted
    AccountFactory(endpoint=endpoint, name="a@pve", grants=[on("/", ADMIN)])
    AccountFactory(endpoint=endpoint, name="admins", kind="group", grants=[on("/", ADMIN)])
    # Not counted: below the root, not propagated, not the admin role, disabled.
    AccountFactory(endpoint=endpoint, name="b@pve", grants=[on("/vms/1", ADMIN)])
    AccountFactory(endpoint=endpoint, name="c@pve", grants=[on("/", ADMIN, propagate=False)])
    AccountFactory(endpoint=endpoint, name="d@pve", grants=[on("/", VM_ADMIN)])
    AccountFactory(endpoint=endpoint, name="e@pve", enabled=False, grants=[on("/", ADMIN)])
    AccountFactory(endpoint=endpoint, name="f@corp", grants=[on("/", ADMIN, via="group admins")])
    assert judge("RGT-002", endpoint).status == "pass"  # 3, allowed 3
    outcome = judge("RGT-002", endpoint, max_root_admins=2)
    assert outcome.status == "fail"
    assert outcome.evidence["holders"] == ["a@pve (user)", "admins (group)", "root@pam (user)"]
    assert judge("RGT-002", EndpointFactory()).status == "not_applicable"  # nothing read


def test_rgt_003_local_accounts_with_admin_rights():
    local = AccountFactory(
        name="ops@pve", realm="pve", directory=False, grants=[on("/nodes/pve1", SYS_ADMIN)]
    )
    outcome = judge("RGT-003", local)
    assert outcome.status == "fail" and "/nodes/pve1" in outcome.message
    directory = AccountFactory(
        name="ops@corp", realm="corp", directory=True, grants=[on("/", ADMIN)]
    )
    assert judge("RGT-003", directory).status == "pass"
    harmless = AccountFactory(name="aud@pve", directory=False, grants=[on("/", AUDITOR)])
    assert judge("RGT-003", harmless).status == "pass"
    root = AccountFactory(name="root@pam", directory=False, grants=[on("/", ADMIN)])
    assert judge("RGT-003", root).status == "pass"
    unknown = AccountFactory(name="x@y", directory=None, grants=[on("/", ADMIN)])
    assert judge("RGT-003", unknown).status == "not_applicable"


def test_rgt_004_token_expiry_and_its_edges():
    never = AccountFactory(name="a@pve!ci", kind="token", expires_at=None)
    assert judge("RGT-004", never).status == "fail"
    soon = AccountFactory(name="a@pve!s", kind="token", expires_at=NOW + dt.timedelta(days=30))
    assert judge("RGT-004", soon).status == "pass"
    far = AccountFactory(name="a@pve!f", kind="token", expires_at=NOW + dt.timedelta(days=400))
    assert judge("RGT-004", far).status == "fail"
    assert judge("RGT-004", far, max_lifetime_days=400).status == "pass"  # exactly at the limit
    user = AccountFactory(name="a@pve", kind="user", expires_at=None)
    assert judge("RGT-004", user).status == "not_applicable"


def test_token_rows_are_left_to_hrd_103_and_104_on_their_user():
    """RGT-005/006 were merged into HRD-104/103, which judge a user's ``api_tokens``; the
    token's own principal row (the rights review's) is not judged twice."""
    shared = AccountFactory(
        name="a@pve!ci",
        kind="token",
        privsep=False,
        grants=[on("/", ADMIN, via="user a@pve (no privilege separation)")],
    )
    root = AccountFactory(name="root@pam!portal", kind="token", privsep=True)
    for token in (shared, root):
        for check in ("HRD-103", "HRD-104"):
            outcome = judge(check, token)
            assert outcome.status == "not_applicable", (check, token.name)
            assert "user's account" in str(outcome.message)
    user = AccountFactory(
        name="a@pve", api_tokens=[{"tokenid": "ci", "privsep": False, "expire": 0}]
    )
    outcome = judge("HRD-104", user)
    assert outcome.status == "fail" and "a@pve!ci" in outcome.message
    assert "RGT-005" not in REGISTRY and "RGT-006" not in REGISTRY
    assert "by RGT-004, HRD-103 and HRD-104." in str(judge("RGT-001", shared).message)


def test_rgt_007_separation_of_vm_and_infrastructure_administration():
    both = AccountFactory(
        name="eve@pve",
        grants=[on("/vms/100 (web01)", VM_ADMIN, "PVEVMAdmin"), on("/nodes/pve1", SYS_ADMIN)],
    )
    outcome = judge("RGT-007", both)
    assert outcome.status == "fail"
    assert "eve@pve" in outcome.message and "web01" in outcome.message
    assert outcome.evidence["infra_admin_privileges"] == ["Sys.Console"]
    via_group = AccountFactory(
        name="frank@pve",
        grants=[on("/vms/1", VM_ADMIN), on("/", SYS_ADMIN, via="group sysadmins")],
    )
    assert judge("RGT-007", via_group).status == "fail"
    vm_only = AccountFactory(name="gina@pve", grants=[on("/vms/1", VM_ADMIN)])
    assert judge("RGT-007", vm_only).status == "pass"
    assert judge("RGT-007", AccountFactory(name="h@pve", grants=[])).status == "pass"
    # The all-powerful role is judged by RGT-001..003, not here (it holds both by definition).
    admins = AccountFactory(name="admins", kind="group", grants=[on("/", ADMIN)])
    assert judge("RGT-007", admins).status == "pass"
    # PVEAdmin is no all-powerful role but holds both kinds.
    pve_admin = PVE.classify_role("PVEAdmin", ["VM.Allocate", "Sys.Console", "Datastore.Allocate"])
    assert judge("RGT-007", AccountFactory(name="i@pve", grants=[on("/", pve_admin)])).status == (
        "fail"
    )


def test_adm_005_judges_only_users_and_names_the_realm():
    token = AccountFactory(name="a@pve!ci", kind="token", two_factor=None)
    assert judge("ADM-005", token).status == "not_applicable"
    group = AccountFactory(name="admins", kind="group", two_factor=None)
    assert judge("ADM-005", group).status == "not_applicable"
    user = AccountFactory(name="z@pve", two_factor=False, realm_two_factor=False)
    outcome = judge("ADM-005", user)
    assert outcome.status == "fail" and "pve" in outcome.message
