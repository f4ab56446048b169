"""vSphere tags of VMs, read by VCenterConnector from govmomi's vAPI simulator (/rest) over TLS.

Categories, tags and their attachments are made through the simulator's own vAPI
(:func:`simulators.vcsim.tag_vms`), as an administrator makes them; the connector reads them
back over the same verified connection class as its SOAP session.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import pytest

from inventory.connectors import vcenter as vcenter_module
from inventory.connectors import vsphere_tags
from inventory.connectors.base import TrustError
from inventory.connectors.vcenter import VCenterConnector
from simulators import vcsim as harness
from simulators.vcsim import RunningVcsim, VcsimSpec

from .test_vcenter import config


def test_tags_are_read_as_category_and_tag_with_a_pinned_fingerprint(
    fresh_vcsim: RunningVcsim,
) -> None:
    vms = harness.vm_ids(fresh_vcsim)
    harness.tag_vms(fresh_vcsim, "Schutzbedarf", "hoch", vms[:2])
    harness.tag_vms(fresh_vcsim, "Umgebung", "prod", vms[1:3])
    with VCenterConnector(config(fresh_vcsim)) as conn:
        inv = conn.read_inventory()
    tags = {vm.external_id: vm.tags for vm in inv.vms}
    assert tags[vms[0]] == ["Schutzbedarf:hoch"]
    assert tags[vms[1]] == ["Schutzbedarf:hoch", "Umgebung:prod"]
    assert tags[vms[2]] == ["Umgebung:prod"]
    assert tags[vms[3]] == []
    assert all(vm.tags_known for vm in inv.vms)
    assert inv.warnings == []


def test_tags_are_read_with_the_ca_certificate_too(fresh_vcsim: RunningVcsim) -> None:
    vm = harness.vm_ids(fresh_vcsim)[0]
    harness.tag_vms(fresh_vcsim, "Umgebung", "test", [vm])
    trust = {"fingerprint": "", "ca_pem": fresh_vcsim.ca_pem}
    with VCenterConnector(config(fresh_vcsim, **trust)) as conn:
        inv = conn.read_inventory()
    assert next(v for v in inv.vms if v.external_id == vm).tags == ["Umgebung:test"]


def test_the_same_tag_name_in_two_categories_stays_two_tags(fresh_vcsim: RunningVcsim) -> None:
    vm = harness.vm_ids(fresh_vcsim)[0]
    harness.tag_vms(fresh_vcsim, "Umgebung", "prod", [vm])
    harness.tag_vms(fresh_vcsim, "Backup", "prod", [vm])
    with VCenterConnector(config(fresh_vcsim)) as conn:
        inv = conn.read_inventory()
    assert next(v for v in inv.vms if v.external_id == vm).tags == ["Backup:prod", "Umgebung:prod"]


def _count_vapi(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    calls: Counter[str] = Counter()
    original = vsphere_tags._Vapi.request

    def counting(self: Any, method: str, path: str, body: Any = None) -> Any:
        calls[f"{method} {path.split('/id:')[0]}"] += 1
        return original(self, method, path, body)

    monkeypatch.setattr(vsphere_tags._Vapi, "request", counting)
    return calls


def test_vapi_requests_do_not_grow_with_the_number_of_vms(monkeypatch: pytest.MonkeyPatch) -> None:
    measured: dict[int, Counter[str]] = {}
    for per_pool in (3, 60):
        spec = VcsimSpec(clusters=1, cluster_hosts=1, standalone_hosts=0, vms_per_pool=per_pool)
        with RunningVcsim(spec) as sim:
            vms = harness.vm_ids(sim)
            harness.tag_vms(sim, "Umgebung", "prod", vms)
            harness.tag_vms(sim, "Schutzbedarf", "hoch", vms[:2])
            with monkeypatch.context() as m:
                calls = _count_vapi(m)
                with VCenterConnector(config(sim)) as conn:
                    inv = conn.read_inventory()
        assert len(inv.vms) == per_pool
        assert all("Umgebung:prod" in vm.tags for vm in inv.vms)
        measured[per_pool] = calls
    assert measured[3] == measured[60]
    # Login, one association batch, two tags, two categories, logout.
    assert sum(measured[60].values()) == 7


def test_association_batches_hold_at_most_batch_vms(
    fresh_vcsim: RunningVcsim, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(vsphere_tags, "BATCH", 3)
    vms = harness.vm_ids(fresh_vcsim)
    harness.tag_vms(fresh_vcsim, "Umgebung", "prod", vms)
    calls = _count_vapi(monkeypatch)
    with VCenterConnector(config(fresh_vcsim)) as conn:
        inv = conn.read_inventory()
    assert len(vms) == 4 and all(vm.tags == ["Umgebung:prod"] for vm in inv.vms)
    assert calls["POST /tagging/tag-association?~action=list-attached-tags-on-objects"] == 2


def test_an_unreachable_vapi_is_a_warning_and_leaves_tags_unknown(
    fresh_vcsim: RunningVcsim, monkeypatch: pytest.MonkeyPatch
) -> None:
    harness.tag_vms(fresh_vcsim, "Umgebung", "prod", harness.vm_ids(fresh_vcsim))
    # A vCenter without the /rest service: the simulator really answers 404 on this prefix.
    monkeypatch.setattr(vsphere_tags, "PREFIX", "/rest/com/vmware/not-there")
    with VCenterConnector(config(fresh_vcsim)) as conn:
        inv = conn.read_inventory()
    assert len(inv.vms) == 4 and len(inv.hosts) == 3  # the rest of the read is whole
    assert all(vm.tags == [] and vm.tags_known is False for vm in inv.vms)
    [warning] = [w for w in inv.warnings if "tags" in w]
    assert "vSphere tags not read" in warning and "HTTP 404" in warning
    assert fresh_vcsim.password not in warning


def test_a_certificate_change_before_the_vapi_request_fails_the_read(
    fresh_vcsim: RunningVcsim, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = vsphere_tags.read_vm_tags
    sent: list[str] = []

    def after_a_certificate_change(connect: Any, *args: Any) -> Any:
        conn = connect()
        type(conn).expected = "cd" * 32  # what the pinned connection class compares with
        real_send = conn.send

        def send(data: Any) -> None:
            real_send(data)  # connects (and checks the pin) first when not yet connected
            sent.append(bytes(data))  # only what really left

        conn.send = send
        return original(lambda: conn, *args)

    monkeypatch.setattr(vcenter_module.vsphere_tags, "read_vm_tags", after_a_certificate_change)
    with (
        pytest.raises(TrustError, match="does not match the pinned fingerprint"),
        VCenterConnector(config(fresh_vcsim)) as conn,
    ):
        conn.read_inventory()
    # The pin is checked right after the handshake: not a byte of HTTP (with the Basic
    # credentials) was sent.
    assert sent == []


def test_the_session_id_is_never_logged_nor_in_the_inventory(
    fresh_vcsim: RunningVcsim, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    harness.tag_vms(fresh_vcsim, "Umgebung", "prod", harness.vm_ids(fresh_vcsim)[:1])
    sessions: list[str] = []
    original = vsphere_tags._Vapi.login

    def login(self: Any) -> None:
        original(self)
        sessions.append(self._session)

    monkeypatch.setattr(vsphere_tags._Vapi, "login", login)
    caplog.set_level(logging.DEBUG)
    with VCenterConnector(config(fresh_vcsim)) as conn:
        inv = conn.read_inventory()
    [session] = sessions
    assert len(session) >= 16
    assert session not in caplog.text and fresh_vcsim.password not in caplog.text
    assert session not in repr(inv)
