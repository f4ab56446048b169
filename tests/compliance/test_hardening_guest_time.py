"""HRD-101..104 and TIM-001 on model instances (both sides and the edges), the guide's data
file, and a check run whose query count does not grow with the objects these checks judge."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from compliance.checks import get_check
from compliance.checks.context import InventoryContext
from compliance.checks.hardening_proxmox import GUIDE_FILE, guide
from compliance.models import Finding
from compliance.services import check_run_execute
from inventory.models import Endpoint

from .factories import AccountFactory, EndpointFactory, HostFactory, VmFactory

pytestmark = pytest.mark.django_db
NOW = timezone.now()
HRD = ("HRD-101", "HRD-102", "HRD-103", "HRD-104")


def outcome(check_id: str, obj, **params):
    spec = get_check(check_id)
    ctx = InventoryContext.load([obj.endpoint_id], now=NOW)
    return spec.func(obj, {**spec.defaults(), **params}, ctx)


def proxmox():
    return EndpointFactory(kind=Endpoint.Kind.PROXMOX)


def ct(unprivileged="1", features=None, **kw):
    extra = {"unprivileged": unprivileged}
    if features is not None:
        extra["features"] = features
    kw.setdefault("endpoint", proxmox())
    return VmFactory(kind="lxc", power_state="running", extra_config=extra, **kw)


def qemu(guest_time, tools_state="running", **kw):
    kw.setdefault("endpoint", proxmox())
    kw.setdefault("power_state", "running")
    return VmFactory(kind="qemu", tools_state=tools_state, guest_time=guest_time, **kw)


# ------------------------------------------------------------------------------ the data file


def test_the_guide_file_names_its_source_and_every_rule_its_guide_id_and_a_registered_check():
    data = json.loads(GUIDE_FILE.read_text(encoding="utf-8"))
    assert data["guide"] == "Proxmox VE Administration Guide"
    assert data["version"] and dt.date.fromisoformat(data["date"])
    assert "e5010dcea566a205770572cfbc5fe0af220d5077" in data["source"]
    keys = [(r["id"], r["option"]) for r in data["rules"]]
    assert len(keys) == len(set(keys))
    for rule in data["rules"]:
        assert get_check(rule["check"]) is not None, rule
        # The guide's own anchors: lower-case AsciiDoc ids, never a number of ours.
        assert rule["id"].replace("_", "").isalpha() and rule["id"].islower(), rule
        for field in ("basis", "judgement", "file"):
            assert rule[field].strip(), (rule, field)
        assert rule["expected"], rule
    judged = {r["check"] for r in data["rules"]}
    assert set(HRD) | {"TIM-001", "ADM-004", "MEM-005"} <= judged


def test_every_hardening_outcome_names_the_guides_rule():
    judged = outcome("HRD-101", ct(unprivileged="0"))
    assert judged.evidence["rule"] == "pct_general" and judged.evidence["option"] == "unprivileged"
    assert (
        judged.evidence["guide"]
        == f"Proxmox VE Administration Guide {guide()['version']} ({guide()['date']})"
    )
    assert judged.evidence["expected"] == {"unprivileged": 1}


# ------------------------------------------------------------------------------ containers


@pytest.mark.parametrize(("unprivileged", "status"), [("1", "pass"), ("0", "fail"), ("", "fail")])
def test_hrd_101_privileged_container(unprivileged, status):
    assert outcome("HRD-101", ct(unprivileged=unprivileged)).status == status


def test_hrd_101_and_102_leave_vms_and_unread_containers_alone():
    endpoint = proxmox()
    vm = VmFactory(endpoint=endpoint, kind="qemu", power_state="running")
    unread = VmFactory(endpoint=endpoint, kind="lxc", power_state="running", extra_config={})
    for check_id in ("HRD-101", "HRD-102"):
        assert outcome(check_id, vm).status == "not_applicable"
        assert outcome(check_id, unread).status == "not_applicable"


@pytest.mark.parametrize(
    ("unprivileged", "features", "status", "severity"),
    [
        ("1", None, "pass", None),
        ("1", "keyctl=1", "pass", None),
        ("1", "nesting=0", "pass", None),
        ("1", "nesting=1,keyctl=1", "warning", "low"),
        ("0", "nesting=1", "fail", None),
    ],
)
def test_hrd_102_nesting(unprivileged, features, status, severity):
    judged = outcome("HRD-102", ct(unprivileged=unprivileged, features=features))
    assert (judged.status, judged.severity) == (status, severity)


# ------------------------------------------------------------------------------ API tokens


def token(name, privsep=True, expire=0):
    return {"tokenid": name, "privsep": privsep, "expire": expire}


def test_hrd_103_root_tokens():
    live = AccountFactory(name="root@pam", api_tokens=[token("ci")])
    judged = outcome("HRD-103", live)
    assert judged.status == "fail" and "root@pam!ci" in judged.message
    expired = int((NOW - dt.timedelta(days=1)).timestamp())
    old = AccountFactory(name="root@pam", api_tokens=[token("old", expire=expired)])
    assert outcome("HRD-103", old).status == "pass"
    assert outcome("HRD-103", old).evidence["expired_tokens"][0]["token"] == "root@pam!old"
    assert outcome("HRD-103", AccountFactory(name="root@pam", api_tokens=[])).status == "pass"
    other = AccountFactory(name="ops@pve", api_tokens=[token("ci", privsep=False)])
    assert outcome("HRD-103", other).status == "not_applicable"


def test_hrd_104_privilege_separation():
    later = int((NOW + dt.timedelta(days=30)).timestamp())
    mixed = AccountFactory(api_tokens=[token("a"), token("b", privsep=False, expire=later)])
    judged = outcome("HRD-104", mixed)
    assert judged.status == "fail"
    assert f"{mixed.name}!b" in judged.message and f"{mixed.name}!a" not in judged.message
    assert judged.evidence["tokens"][1]["expires"].startswith(
        dt.datetime.fromtimestamp(later, dt.UTC).date().isoformat()
    )
    assert outcome("HRD-104", AccountFactory(api_tokens=[token("a")])).status == "pass"
    assert outcome("HRD-104", AccountFactory(api_tokens=[])).status == "not_applicable"
    disabled = AccountFactory(enabled=False, api_tokens=[token("a", privsep=False)])
    assert outcome("HRD-104", disabled).status == "not_applicable"


def test_the_hardening_checks_are_proxmox_only():
    for check_id in HRD:
        assert get_check(check_id).platforms == ("proxmox",)


# ------------------------------------------------------------------------------ guest time


def tools(sync, allowed=None):
    return {"source": "vmware_tools", "sync_with_host": sync, "sync_allowed": allowed}


@pytest.mark.parametrize(
    ("info", "tools_state", "status"),
    [
        (tools(True), "guestToolsRunning", "pass"),
        (tools(True, allowed=True), "", "pass"),  # tools state not reported: the setting
        (tools(True), "guestToolsNotRunning", "warning"),
        (tools(True, allowed=False), "guestToolsRunning", "warning"),
        (tools(False), "guestToolsRunning", "warning"),
        (tools(None), "guestToolsRunning", "not_applicable"),
        ({}, "guestToolsRunning", "not_applicable"),
    ],
)
def test_tim_001_on_vsphere(info, tools_state, status):
    vm = VmFactory(guest_time=info, tools_state=tools_state)
    judged = outcome("TIM-001", vm)
    assert judged.status == status
    if info:
        assert judged.evidence["offset_seconds"] is None  # vSphere reports no guest clock


def agent(offset=0.4, enabled=True, **more):
    return {
        "source": "qemu_agent",
        "agent_enabled": enabled,
        "offset_seconds": offset,
        "guest_time": 1_800_000_000.0 + (offset or 0),
        "node_time": 1_800_000_000.0,
        **more,
    }


@pytest.mark.parametrize(
    ("info", "tools_state", "params", "status"),
    [
        (agent(0.4), "running", {}, "pass"),
        (agent(-4.9), "running", {}, "pass"),
        (agent(-5.1), "running", {}, "fail"),
        (agent(30), "running", {}, "fail"),
        (agent(30), "running", {"max_offset_seconds": 60}, "pass"),
        (agent(None, enabled=False), "disabled", {}, "fail"),
        (agent(None, error="QEMU guest agent is not running"), "not running", {}, "pass"),
        (agent(None), "", {}, "pass"),  # enabled, not asked (probe_agent off)
    ],
)
def test_tim_001_on_proxmox(info, tools_state, params, status):
    judged = outcome("TIM-001", qemu(info, tools_state=tools_state), **params)
    assert judged.status == status
    assert judged.evidence["threshold_seconds"] == params.get("max_offset_seconds", 5)


def test_tim_001_not_applicable_to_containers_stopped_guests_and_templates():
    endpoint = proxmox()
    assert outcome("TIM-001", ct(endpoint=endpoint)).status == "not_applicable"
    stopped = qemu(agent(None, enabled=False), endpoint=endpoint, power_state="stopped")
    assert outcome("TIM-001", stopped).status == "not_applicable"
    template = qemu(agent(None, enabled=False), endpoint=endpoint, template=True)
    assert outcome("TIM-001", template).status == "not_applicable"
    off = VmFactory(guest_time=tools(False), power_state="poweredOff")
    assert outcome("TIM-001", off).status == "not_applicable"


def test_tim_001_offset_limit_is_validated():
    spec = get_check("TIM-001")
    with pytest.raises(ValueError, match="smallest allowed value"):
        spec.clean_parameters({"max_offset_seconds": 0})


# ------------------------------------------------------------------------------ query counts


def estate(size: int) -> Endpoint:
    """A Proxmox endpoint with ``size`` each of failing containers, VMs and token users."""
    endpoint = proxmox()
    node = HostFactory(endpoint=endpoint, connection_state="online")
    for i in range(size):
        ct(endpoint=endpoint, host=node, unprivileged="0", features="nesting=1")
        qemu(agent(100 + i), endpoint=endpoint, host=node)
        AccountFactory(endpoint=endpoint, api_tokens=[token("t", privsep=False)])
    AccountFactory(endpoint=endpoint, name="root@pam", api_tokens=[token("portal")])
    return endpoint


def run_queries(endpoint: Endpoint) -> tuple[int, int]:
    """(all queries, SELECTs) of one check run over ``endpoint``."""
    with CaptureQueriesContext(connection) as queries:
        run = check_run_execute(endpoint=endpoint, trigger="command", actor="test")
    assert run.status == "succeeded", run.error
    reads = sum(1 for q in queries if q["sql"].lstrip().upper().startswith("SELECT"))
    return len(queries), reads


def test_a_check_run_reads_and_writes_as_many_queries_for_3_as_for_30_judged_objects():
    """The checks read only the loaded context. On SQLite Django splits a bulk write into
    statements of at most 999 parameters, so there only the reads are compared."""
    small, large = estate(3), estate(30)
    first_small, first_large = run_queries(small), run_queries(large)
    assert first_small[1] == first_large[1]
    if connection.vendor == "postgresql":
        assert first_small[0] == first_large[0]
    opened = Finding.objects.open().filter(endpoint=large)
    for check_id, count in (("HRD-101", 30), ("HRD-102", 30), ("HRD-104", 30), ("TIM-001", 30)):
        assert opened.filter(check_id=check_id).count() == count, check_id
    assert opened.filter(check_id="HRD-103").count() == 1
    # A second run over open findings (last_seen updated, none opened) stays flat too.
    second_small, second_large = run_queries(small), run_queries(large)
    assert second_small[1] == second_large[1]
    if connection.vendor == "postgresql":
        assert second_small[0] == second_large[0]
